import crypto from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => crypto.createHash('sha256').update(data).digest();
const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };

interface Credential { id: Buffer; privateKey: crypto.KeyObject; userHandle: string; counter: number }

/**
 * A software WebAuthn authenticator (a passkey provider), speaking the wire format browsers hand to
 * relying parties: `none` attestation with an ES256 (P-256) COSE key, assertions signed over
 * authenticatorData ‖ SHA-256(clientDataJSON), a signature counter that rises with each use.
 */
export class SoftAuthenticator {
  readonly credentials: Credential[] = [];

  constructor(private readonly origin: string) {}

  private get rpIdHash(): Buffer {
    return sha256(new URL(this.origin).hostname);
  }

  /** navigator.credentials.create() with the server's creation options; the JSON a browser would post. */
  create(options: { challenge: string; user: { id: string } }, origin = this.origin) {
    const id = crypto.randomBytes(16);
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = isoCBOR.encode(new Map<number, number | Uint8Array>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x!, 'base64url')], [-3, Buffer.from(jwk.y!, 'base64url')]]));
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(id.length);
    // Flags: user present (0x01), user verified (0x04), attested credential data (0x40).
    const authData = Buffer.concat([this.rpIdHash, Buffer.from([0x45]), u32(0), Buffer.alloc(16), idLength, id, cose]);
    const attestationObject = isoCBOR.encode(new Map<string, string | Uint8Array | Map<string, string>>([['fmt', 'none'], ['attStmt', new Map<string, string>()], ['authData', authData]]));
    const clientDataJSON = JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin, crossOrigin: false });
    this.credentials.push({ id, privateKey, userHandle: options.user.id, counter: 0 });
    return {
      id: b64url(id), rawId: b64url(id), type: 'public-key' as const, clientExtensionResults: {}, authenticatorAttachment: 'platform',
      response: { clientDataJSON: b64url(clientDataJSON), attestationObject: b64url(attestationObject), transports: ['internal'] },
    };
  }

  /** navigator.credentials.get() with the server's request options, using the `which`-th credential. */
  get(options: { challenge: string }, which = 0, tweak: { counter?: number; origin?: string } = {}) {
    const cred = this.credentials[which]!;
    cred.counter = tweak.counter ?? cred.counter + 1;
    const authenticatorData = Buffer.concat([this.rpIdHash, Buffer.from([0x05]), u32(cred.counter)]);
    const clientDataJSON = JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin: tweak.origin ?? this.origin, crossOrigin: false });
    const signature = crypto.sign('sha256', Buffer.concat([authenticatorData, sha256(clientDataJSON)]), cred.privateKey);
    return {
      id: b64url(cred.id), rawId: b64url(cred.id), type: 'public-key' as const, clientExtensionResults: {}, authenticatorAttachment: 'platform',
      response: { clientDataJSON: b64url(clientDataJSON), authenticatorData: b64url(authenticatorData), signature: b64url(signature), userHandle: cred.userHandle },
    };
  }
}
