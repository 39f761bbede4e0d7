// DingTalk custom robots with "加签" (signing) security: every post carries timestamp and sign query parameters.
// DingTalk's public docs (custom robot security settings, "加签"):
//   https://open.dingtalk.com/document/robots/customize-robot-security-settings
// sign = urlEncode(base64(HMAC-SHA256(key = secret, message = timestamp + "\n" + secret))), timestamp in epoch ms;
// the robot refuses a timestamp more than an hour away from its clock.
import { createHmac } from 'node:crypto';

export function dingTalkSign(secret: string, timestamp: number): string {
  return encodeURIComponent(createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64'));
}

/** The robot's webhook URL (which already carries access_token) with timestamp and sign appended. */
export function signedDingTalkUrl(url: string, secret: string, timestamp = Date.now()): string {
  return `${url}${url.includes('?') ? '&' : '?'}timestamp=${timestamp}&sign=${dingTalkSign(secret, timestamp)}`;
}

/** DingTalk answers HTTP 200 with {"errcode": n, "errmsg": "..."}; errcode 0 means delivered. */
export function dingTalkError(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { errcode?: number; errmsg?: string };
    if (typeof parsed.errcode === 'number' && parsed.errcode !== 0)
      return `DingTalk errcode ${parsed.errcode}: ${parsed.errmsg ?? ''}`.trim();
  } catch {
    return undefined;
  }
  return undefined;
}
