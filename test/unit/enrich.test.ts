import { describe, expect, it } from 'vitest';
import { emailDomain, enrich, normaliseDomain } from '../../shared/domain/enrich.ts';
import type { LeadInput } from '../../shared/domain/lead.ts';
import { basePolicy, examplePolicy } from '../helpers/policy-builder.ts';

const example = examplePolicy();

function lead(overrides: Partial<LeadInput> = {}): LeadInput {
  return {
    email: 'jane@acme.example',
    channel: 'form',
    intent: 'demo',
    submittedAt: '2026-11-23T10:00:00.000Z',
    partial: false,
    ...overrides,
  };
}

describe('enrich: region', () => {
  it.each([
    ['DE', 'EMEA'],
    ['de', 'EMEA'],
    [' GB ', 'EMEA'],
    ['Germany', 'EMEA'],
    ['germany', 'EMEA'],
    ['United Kingdom', 'EMEA'],
    ['Czechia', 'EMEA'],
    ['United Arab Emirates', 'EMEA'],
    ['US', 'NA'],
    ['United States', 'NA'],
    ['Canada', 'NA'],
    ['SG', 'APAC'],
    ['South Korea', 'APAC'],
    ['New Zealand', 'APAC'],
  ])('maps %j to %s', (country, region) => {
    // Prepare
    const input = lead({ country });

    // Act
    const facts = enrich(example, input);

    // Assess
    expect(facts.region).toBe(region);
  });

  it.each([['BR'], ['Brazil'], ['Atlantis'], ['']])('leaves %j without a region', (country) => {
    // Prepare
    const input = lead({ country });

    // Act
    const facts = enrich(example, input);

    // Assess
    expect(facts.region).toBeUndefined();
  });

  it('leaves a lead without a country without a region', () => {
    // Prepare
    const input = lead();

    // Act
    const facts = enrich(example, input);

    // Assess
    expect(facts.region).toBeUndefined();
  });
});

describe('enrich: company domain and free mail', () => {
  it('takes the company domain from a company email, lower-cased', () => {
    // Prepare
    const input = lead({ email: 'Jane.Doe@ACME.Example' });

    // Act
    const facts = enrich(example, input);

    // Assess
    expect(facts.freeMail).toBe(false);
    expect(facts.domain).toBe('acme.example');
  });

  it.each([['jane@gmail.com'], ['JANE@GMAIL.COM'], ['x@proton.me'], ['y@web.de']])(
    'flags %s as free mail and does not use it as the company domain',
    (email) => {
      // Prepare
      const input = lead({ email });

      // Act
      const facts = enrich(example, input);

      // Assess
      expect(facts.freeMail).toBe(true);
      expect(facts.domain).toBeUndefined();
      expect(facts.targetAccount).toBe(false);
    },
  );

  it('prefers the normalised domain field over the email domain', () => {
    // Prepare
    const input = lead({ email: 'jane@gmail.com', domain: 'https://www.Acme.example/about?ref=1' });

    // Act
    const facts = enrich(example, input);

    // Assess
    expect(facts.freeMail).toBe(true);
    expect(facts.domain).toBe('acme.example');
  });

  it('never uses a free-mail provider given in the domain field as the company domain', () => {
    // Prepare
    const freeEverywhere = lead({ email: 'jane@gmail.com', domain: 'gmail.com' });
    const companyEmail = lead({ email: 'jane@acme.example', domain: 'www.gmail.com' });

    // Act
    const a = enrich(example, freeEverywhere);
    const b = enrich(example, companyEmail);

    // Assess
    expect(a.domain).toBeUndefined();
    expect(b.domain).toBe('acme.example');
  });

  it("uses the policy's own free-mail list instead of the built-in one", () => {
    // Prepare
    const policy = basePolicy({ freeMailDomains: ['Mail.Example'] });

    // Act
    const own = enrich(policy, lead({ email: 'a@mail.example' }));
    const gmail = enrich(policy, lead({ email: 'a@gmail.com' }));

    // Assess
    expect(own.freeMail).toBe(true);
    expect(own.domain).toBeUndefined();
    expect(gmail.freeMail).toBe(false);
    expect(gmail.domain).toBe('gmail.com');
  });

  it('handles a phone-only partial lead', () => {
    // Prepare
    const input = lead({ email: undefined, phone: '+4930123456', partial: true });

    // Act
    const facts = enrich(example, input);

    // Assess
    expect(facts.freeMail).toBe(false);
    expect(facts.domain).toBeUndefined();
    expect(facts.targetAccount).toBe(false);
    expect(facts.phone).toBe('+4930123456');
  });
});

describe('enrich: target and named accounts', () => {
  it("marks a domain on the policy's target list as a target account without an account owner", () => {
    // Prepare
    const input = lead({ email: 'sam@BigBank.example' });

    // Act
    const facts = enrich(example, input);

    // Assess
    expect(facts.targetAccount).toBe(true);
    expect(facts.accountOwnerId).toBeUndefined();
  });

  it('marks a domain the account-owner lookup knows as a target account with its owner', () => {
    // Prepare
    const asked: string[] = [];
    const accountOwnerOf = (d: string) => {
      asked.push(d);
      return d === 'named.example' ? '4001' : undefined;
    };

    // Act
    const facts = enrich(
      example,
      lead({ email: 'x@gmail.com', domain: 'http://www.Named.example/' }),
      accountOwnerOf,
    );

    // Assess
    expect(asked).toEqual(['named.example']);
    expect(facts.accountOwnerId).toBe('4001');
    expect(facts.targetAccount).toBe(true);
  });

  it('neither target nor named when the domain is unknown to both', () => {
    // Prepare
    const input = lead({ email: 'pat@smallshop.example' });

    // Act
    const facts = enrich(example, input, () => undefined);

    // Assess
    expect(facts.targetAccount).toBe(false);
    expect(facts.accountOwnerId).toBeUndefined();
  });

  it('does not look up an account owner when there is no company domain', () => {
    // Prepare
    const asked: string[] = [];

    // Act
    const facts = enrich(example, lead({ email: 'jane@gmail.com' }), (d) => {
      asked.push(d);
      return '4001';
    });

    // Assess
    expect(asked).toEqual([]);
    expect(facts.accountOwnerId).toBeUndefined();
  });

  it('keeps every input field', () => {
    // Prepare
    const input = lead({ firstName: 'Jane', employees: 120, formId: 'f-1', existingOwnerId: '1001' });

    // Act
    const facts = enrich(example, input);

    // Assess
    expect(facts).toEqual({
      ...input,
      domain: 'acme.example',
      region: undefined,
      freeMail: false,
      accountOwnerId: undefined,
      targetAccount: false,
    });
  });
});

describe('normaliseDomain', () => {
  it.each([
    ['acme.example', 'acme.example'],
    ['  ACME.example  ', 'acme.example'],
    ['www.acme.example', 'acme.example'],
    ['https://www.acme.example', 'acme.example'],
    ['http://acme.example/path/to?q=1', 'acme.example'],
    ['acme.example:8443', 'acme.example'],
    ['acme.example#top', 'acme.example'],
    ['acme.example?x', 'acme.example'],
    ['shop.acme.example', 'shop.acme.example'],
  ])('%j → %j', (raw, want) => {
    // Prepare
    const input = raw;

    // Act
    const got = normaliseDomain(input);

    // Assess
    expect(got).toBe(want);
  });

  it.each([[undefined], [''], ['   '], ['https://']])('%j → undefined', (raw) => {
    // Prepare
    const input = raw;

    // Act
    const got = normaliseDomain(input);

    // Assess
    expect(got).toBeUndefined();
  });
});

describe('emailDomain', () => {
  it.each([
    ['jane@acme.example', 'acme.example'],
    ['Jane@ACME.Example', 'acme.example'],
    ['"a@b"@acme.example', 'acme.example'],
    ['jane', undefined],
    ['@acme.example', undefined],
    ['jane@', undefined],
    [undefined, undefined],
  ])('%j → %j', (email, want) => {
    // Prepare
    const input = email;

    // Act
    const got = emailDomain(input);

    // Assess
    expect(got).toBe(want);
  });
});
