// A pair's `notify` section: where kafka-dr pages people (DingTalk robots, Slack incoming webhooks, a generic
// JSON webhook). Only the NAMES of the worker's environment variables appear here: a webhook URL carries its
// token, so the URL itself is a secret and must never reach a workflow's input, history or logs. Pure (zod only).
import { z } from 'zod';
import { listOf, matching, oneOf } from './fields';

export const NOTIFY_EVENTS = [
  'approval-needed',
  'step-blocked',
  'run-completed',
  'run-aborted',
  'run-rejected',
  'health-changed',
  'drill-failed',
  'evacuation-started',
  'auto-failover',
] as const;
export type NotifyEventKind = (typeof NOTIFY_EVENTS)[number];

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** The worker's own credentials and settings: a webhook may never be pointed at them. */
const RESERVED = /^(?:ALIBABA_CLOUD_|ALICLOUD_|TEMPORAL_|AWS_|KDR_(?!SECRET_))/i;

function secretEnv(what: string, example: string) {
  return matching(
    ENV_NAME,
    `expected the NAME of the worker's environment variable holding ${what} (e.g. ${example}), not the value itself`,
  ).refine(
    (name) => !RESERVED.test(name),
    `names a variable the worker keeps for itself (ALIBABA_CLOUD_*, TEMPORAL_*, KDR_* settings): ` +
      `put ${what} in its own variable, e.g. ${example}`,
  );
}

const events = listOf(oneOf(NOTIFY_EVENTS), 'event names').optional();

const DingTalkTarget = z.strictObject({
  type: z.literal('dingtalk'),
  /** https://oapi.dingtalk.com/robot/send?access_token=... */
  urlEnv: secretEnv("the robot's webhook URL", 'KDR_SECRET_DINGTALK_URL'),
  /** The robot's "加签" (signing) secret, SEC...; required because a robot without it accepts anyone's posts. */
  secretEnv: secretEnv("the robot's signing secret", 'KDR_SECRET_DINGTALK_SIGN'),
  events,
});

const SlackTarget = z.strictObject({
  type: z.literal('slack'),
  urlEnv: secretEnv('the Slack incoming-webhook URL', 'KDR_SECRET_SLACK_URL'),
  events,
});

const WebhookTarget = z.strictObject({
  type: z.literal('webhook'),
  urlEnv: secretEnv('the webhook URL', 'KDR_SECRET_WEBHOOK_URL'),
  /** Sent as "Authorization: Bearer <value>" when set. */
  tokenEnv: secretEnv("the webhook's bearer token", 'KDR_SECRET_WEBHOOK_TOKEN').optional(),
  events,
});

export const NotifyTargetSchema = z.discriminatedUnion('type', [DingTalkTarget, SlackTarget, WebhookTarget], {
  error:
    'expected a notification target { "type": "dingtalk" | "slack" | "webhook", "urlEnv": "<variable NAME>", ... }',
});

export const NotifySchema = z
  .array(NotifyTargetSchema, { error: 'expected a list of notification targets' })
  .max(10, 'expected at most 10 notification targets');

export type NotifyTarget = z.output<typeof NotifyTargetSchema>;

/** How a target is named in audits and errors: its type and the variable, never the URL. */
export function targetLabel(t: NotifyTarget): string {
  return `${t.type} (${t.urlEnv})`;
}

export function wantsEvent(t: NotifyTarget, kind: NotifyEventKind): boolean {
  return t.events === undefined || t.events.includes(kind);
}
