/**
 * Where `npm run doctor` looks: a stack in AWS (the outputs `npm run deploy` saved, and the secret), or a
 * running `npm start` (the file it writes with its emulator endpoints and sandbox credentials).
 */
import { readFileSync } from 'node:fs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import type { DeployConfig } from '../../infra/config.ts';
import { loadPolicy } from '../domain/policy.ts';
import type { DoctorTarget } from './doctor-checks.ts';

/** Where `npm run deploy` keeps `cdk deploy --outputs-file` (git-ignored). */
export const OUTPUTS_FILE = '.leadclock/outputs.json';
/** What `npm start` writes for `npm run doctor -- --local` (git-ignored; local, throwaway credentials). */
export const LOCAL_TARGET_FILE = '.leadclock/local-target.json';

/** What a running `npm start` tells doctor. */
export interface LocalTargetFile {
  apiUrl: string;
  snsEndpoint: string;
  notifyTopicArn: string;
  hubspotBaseUrl: string;
  /** The sandbox's token; absent with a real portal (doctor then reads HUBSPOT_ACCESS_TOKEN). */
  hubspotToken?: string;
  hubspotClientSecret: string;
  ingestKey: string;
  policyPath: string;
  smsDeliveryStatusRoleArn?: string;
}

/** The checks' settings from the deployment config. */
function settingsOf(c: DeployConfig): DoctorTarget['settings'] {
  return {
    peakLeadsPerMinute: c.peakLeadsPerMinute,
    apiRateLimit: c.apiRateLimit,
    apiBurstLimit: c.apiBurstLimit,
    smsMonthlySpendLimitUsd: c.smsMonthlySpendLimitUsd,
  };
}

/** Target of a running `npm start`. */
export function localTarget(file: LocalTargetFile, config: DeployConfig): DoctorTarget {
  const policy = loadPolicy(readFileSync(file.policyPath, 'utf8'), file.policyPath);
  return {
    apiUrl: file.apiUrl.endsWith('/') ? file.apiUrl : `${file.apiUrl}/`,
    hubspotBaseUrl: file.hubspotBaseUrl,
    hubspotToken: file.hubspotToken ?? process.env.HUBSPOT_ACCESS_TOKEN,
    hubspotClientSecret: file.hubspotClientSecret,
    ingestKey: file.ingestKey,
    sns: new SNSClient({
      endpoint: file.snsEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    notifyTopicArn: file.notifyTopicArn,
    policy,
    // npm start runs any policy live, the example included, and subscribes its people in the emulator.
    examplePolicy: false,
    smsDeliveryStatusRoleArn: file.smsDeliveryStatusRoleArn,
    settings: settingsOf(config),
  };
}

/** Outputs of both stacks, as `cdk deploy --outputs-file` writes them. */
export type StackOutputs = Record<string, Record<string, string>>;

/** Target of the deployed stacks: outputs from `npm run deploy`, the secret from Secrets Manager. */
export async function awsTarget(config: DeployConfig, outputs: StackOutputs): Promise<DoctorTarget> {
  const stateful = outputs[`${config.stackPrefix}-Stateful`];
  const stateless = outputs[`${config.stackPrefix}-Stateless`];
  if (!stateful || !stateless)
    throw new Error(
      `${OUTPUTS_FILE} has no outputs of ${config.stackPrefix}-Stateful and -Stateless: run npm run deploy first`,
    );
  const need = (o: Record<string, string>, k: string) => {
    const v = o[k];
    if (!v) throw new Error(`${OUTPUTS_FILE}: output ${k} missing; run npm run deploy again`);
    return v;
  };
  const region = config.region;
  const secret = await new SecretsManagerClient({ region }).send(
    new GetSecretValueCommand({ SecretId: need(stateful, 'SecretArn') }),
  );
  const values = JSON.parse(secret.SecretString ?? '{}') as Record<string, string | undefined>;
  return {
    apiUrl: need(stateless, 'ApiUrl'),
    hubspotBaseUrl: config.hubspotBaseUrl,
    hubspotToken: values.hubspotAccessToken || undefined,
    hubspotClientSecret: values.hubspotClientSecret || undefined,
    ingestKey: values.ingestKey,
    sns: new SNSClient({ region }),
    notifyTopicArn: need(stateful, 'NotifyTopicArn'),
    policy: config.compiledPolicy,
    examplePolicy: config.examplePolicy,
    smsDeliveryStatusRoleArn: stateful.SmsDeliveryStatusRoleArn,
    settings: settingsOf(config),
  };
}
