/**
 * AWS AppConfig validator of the policy profile: every new version (a `npm run policy -- publish`, or the
 * first version the stack creates) is checked with leadclock's own `validatePolicy` before it can be
 * deployed. Throwing refuses the version; the message names each problem with its path.
 * https://docs.aws.amazon.com/appconfig/latest/userguide/appconfig-creating-configuration-and-profile-validators.html
 */
import { checkPolicyVersion } from '../../shared/domain/policy-validate.ts';

/** The event AppConfig sends a Lambda validator. */
interface ValidatorEvent {
  applicationId?: string;
  configurationProfileId?: string;
  configurationVersion?: string;
  /** The version's content, base64. */
  content: string;
  uri?: string;
}

/** The Lambda handler. */
export const handler = async (event: ValidatorEvent): Promise<void> => {
  const problems = checkPolicyVersion(Buffer.from(event.content ?? '', 'base64').toString('utf8'));
  if (problems.length) throw new Error(`invalid leadclock policy: ${problems.join('; ')}`.slice(0, 4000));
};
