// SHA-256 for workflow code, which may not import node:crypto: @noble/hashes (audited, pure JavaScript, no Node
// built-ins, so it runs inside the Temporal workflow sandbox). Used for plan ids that bind an approval to
// everything it authorises (planHash in src/plan/id.ts, over canonical JSON); checked against node:crypto in
// test/unit/security. The text is hashed as its UTF-8 bytes (TextEncoder, which the sandbox provides; a lone
// surrogate becomes U+FFFD as with Buffer), so every id computed before the switch from the project's own
// implementation is unchanged.
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';

/** SHA-256 of the UTF-8 bytes of `text`, as 64 hex digits. */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}
