/** `npm run hubspot:setup`: creates leadclock's property group and properties on a portal. Idempotent. */
import * as propertiesLib from '@hubspot/api-client/lib/codegen/crm/properties/index.js';
import { deepConfig } from './crm.ts';
import { type PacingOptions, paced, RequestBudget } from './pacing.ts';
import { CONTACT_PROPERTIES, GROUP, type PropertyDef, TASK_PROPERTIES } from './properties.ts';

/** One line of the setup report. */
export interface SetupLine {
  objectType: 'contacts' | 'tasks';
  kind: 'group' | 'property';
  name: string;
  result: 'created' | 'exists';
}

const status = (e: unknown) => (e as { code?: number })?.code;

/** Creates the group and every property that is missing; returns what it did. */
export async function setupProperties(
  baseUrl: string,
  accessToken: string,
  pacing?: PacingOptions,
): Promise<SetupLine[]> {
  const cfg = deepConfig(propertiesLib, baseUrl, accessToken);
  const groups = new propertiesLib.GroupsApi(cfg);
  const core = new propertiesLib.CoreApi(cfg);
  const opts = pacing ?? { budget: new RequestBudget(90, 10_000) };
  const out: SetupLine[] = [];
  const create = async (line: Omit<SetupLine, 'result'>, call: () => Promise<unknown>) => {
    try {
      await paced(call, opts);
      out.push({ ...line, result: 'created' });
    } catch (e) {
      if (status(e) !== 409) throw e;
      out.push({ ...line, result: 'exists' });
    }
  };
  for (const [objectType, defs] of [
    ['contacts', CONTACT_PROPERTIES],
    ['tasks', TASK_PROPERTIES],
  ] as const) {
    await create({ objectType, kind: 'group', name: GROUP.name }, () =>
      groups.create(objectType, { name: GROUP.name, label: GROUP.label, displayOrder: GROUP.displayOrder }),
    );
    for (const def of defs) {
      await create({ objectType, kind: 'property', name: def.name }, () =>
        core.create(objectType, toCreate(def) as never),
      );
    }
  }
  return out;
}

function toCreate(def: PropertyDef) {
  return {
    name: def.name,
    label: def.label,
    type: def.type,
    fieldType: def.fieldType,
    description: def.description,
    groupName: GROUP.name,
    ...(def.options ? { options: def.options } : {}),
    ...(def.hasUniqueValue ? { hasUniqueValue: true } : {}),
  };
}
