/** CDK assertions for Slack alerts through AWS Chatbot (Amazon Q Developer in chat applications). */
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { DeployConfigError, deployConfig } from '../../infra/config.ts';
import { removeScratch, synthLeadclock } from './synth.ts';

afterAll(removeScratch);

describe('Slack channel for lead alerts', () => {
  it('subscribes a Slack channel configuration to the notification topic when a workspace and channel are set', () => {
    // Prepare / Act (cdk-nag runs in the synth and fails on any unacknowledged finding)
    const s = synthLeadclock({
      context: { 'leadclock:slackWorkspaceId': 'T0123ABCDE', 'leadclock:slackChannelId': 'C0123ABCDE' },
    });

    // Assess
    s.statelessTemplate.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      ConfigurationName: 'Leadclock-leads',
      SlackWorkspaceId: 'T0123ABCDE',
      SlackChannelId: 'C0123ABCDE',
      LoggingLevel: 'ERROR',
      SnsTopicArns: [
        { 'Fn::ImportValue': Match.stringLikeRegexp('^Leadclock-Stateful:ExportsOutput\\w*NotifyTopic') },
      ],
      IamRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SlackAlertsConfigurationRole'), 'Arn'] },
    });
    // The channel's role may do nothing: no policy is attached to it.
    const roleId = Object.keys(
      s.statelessTemplate.findResources('AWS::IAM::Role', {
        Properties: {
          AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'chatbot.amazonaws.com' } }] },
        },
      }),
    );
    expect(roleId).toHaveLength(1);
    const attached = Object.values(s.statelessTemplate.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.Roles).includes(`"${roleId[0]}"`),
    );
    expect(attached).toEqual([]);
    expect(
      s.statelessTemplate.findResources('AWS::IAM::Role', {
        Properties: { ManagedPolicyArns: Match.anyValue() },
      }),
    ).not.toHaveProperty(roleId[0] as string);
  });

  it('provisions no chat configuration without the settings', () => {
    // Act
    const s = synthLeadclock();

    // Assess
    s.statelessTemplate.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
  });

  it('refuses a workspace without a channel, naming the missing setting', () => {
    // Act
    const attempt = () =>
      deployConfig({ policy: 'config/policy.example.yaml', slackWorkspaceId: 'T0123ABCDE' });

    // Assess
    expect(attempt).toThrow(DeployConfigError);
    expect(attempt).toThrow('leadclock:slackChannelId: is required with the other Slack setting');
  });
});
