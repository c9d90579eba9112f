/**
 * `npm run hubspot:setup`: creates leadclock's property group and properties on a portal, and brings
 * existing ones up to date. Idempotent: an existing property is compared with leadclock's definition, its
 * missing enumeration options are added, and a property of another type is reported, never accepted blindly.
 */
import * as propertiesLib from '@hubspot/api-client/lib/codegen/crm/properties/index.js';
import { deepConfig } from './crm.ts';
import { type PacingOptions, paced, RequestBudget } from './pacing.ts';
import { CONTACT_PROPERTIES, GROUP, type PropertyDef, TASK_PROPERTIES } from './properties.ts';

/** One line of the setup report. */
export interface SetupLine {
  objectType: 'contacts' | 'tasks';
  kind: 'group' | 'property';
  name: string;
  /** `updated`: options were added; `conflict`: the existing property has another type (see `detail`). */
  result: 'created' | 'exists' | 'updated' | 'conflict';
  detail?: string;
}

const status = (e: unknown) => (e as { code?: number })?.code;

/** Creates the group and every property that is missing, adds missing options; returns what it did. */
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
  for (const [objectType, defs] of [
    ['contacts', CONTACT_PROPERTIES],
    ['tasks', TASK_PROPERTIES],
  ] as const) {
    try {
      await paced(
        () =>
          groups.create(objectType, {
            name: GROUP.name,
            label: GROUP.label,
            displayOrder: GROUP.displayOrder,
          }),
        opts,
      );
      out.push({ objectType, kind: 'group', name: GROUP.name, result: 'created' });
    } catch (e) {
      if (status(e) !== 409) throw e;
      out.push({ objectType, kind: 'group', name: GROUP.name, result: 'exists' });
    }
    for (const def of defs) {
      const line = { objectType, kind: 'property' as const, name: def.name };
      const existing = await paced(() => core.getByName(objectType, def.name), opts).catch((e: unknown) => {
        if (status(e) === 404) return undefined;
        throw e;
      });
      if (!existing) {
        await paced(() => core.create(objectType, toCreate(def)), opts);
        out.push({ ...line, result: 'created' });
        continue;
      }
      out.push({ ...line, ...(await reconcile(core, objectType, def, existing, opts)) });
    }
  }
  return out;
}

/** Compares an existing property with leadclock's definition and adds the options it lacks. */
async function reconcile(
  core: propertiesLib.CoreApi,
  objectType: string,
  def: PropertyDef,
  existing: propertiesLib.Property,
  opts: PacingOptions,
): Promise<Pick<SetupLine, 'result' | 'detail'>> {
  if (existing.type !== def.type) {
    return {
      result: 'conflict',
      detail: `exists as ${existing.type}/${existing.fieldType}, leadclock needs ${def.type}/${def.fieldType}: rename or delete it in HubSpot`,
    };
  }
  const have = new Set((existing.options ?? []).map((o) => o.value));
  const missing = (def.options ?? []).filter((o) => !have.has(o.value));
  if (missing.length === 0) return { result: 'exists' };
  // PATCH replaces the whole option list: send the portal's options (kept as they are) plus the missing ones.
  const options: propertiesLib.OptionInput[] = [
    ...(existing.options ?? []).map((o) => ({
      label: o.label,
      value: o.value,
      displayOrder: o.displayOrder ?? -1,
      hidden: o.hidden,
      ...(o.description ? { description: o.description } : {}),
    })),
    ...missing,
  ];
  await paced(() => core.update(objectType, def.name, { options }), opts);
  return { result: 'updated', detail: `added options ${missing.map((o) => o.value).join(', ')}` };
}

function toCreate(def: PropertyDef): propertiesLib.PropertyCreate {
  return {
    name: def.name,
    label: def.label,
    type: def.type as propertiesLib.PropertyCreateTypeEnum,
    fieldType: def.fieldType as propertiesLib.PropertyCreateFieldTypeEnum,
    description: def.description,
    groupName: GROUP.name,
    ...(def.options ? { options: def.options } : {}),
    ...(def.hasUniqueValue ? { hasUniqueValue: true } : {}),
  };
}
