import { SmtpSandbox } from '../../../adapters/email/sandbox.ts';
import { mountPlannerApp } from '../../../server/http/planner-app.ts';
import { registerTeardown } from '../../helpers/teardown.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';
import { waitFor } from '../../helpers/wait.ts';

export interface MailPlannerServer extends TestServer {
  smtp: SmtpSandbox;
  /**
   * The `count`-th link matching `pattern` in mail to `address` (waits for it), rebased on the
   * server's address: what a person clicks in their inbox.
   */
  linkInMail(address: string, pattern: RegExp, count?: number): Promise<string>;
}

/**
 * A real server serving the planner build whose mail (sign-in links, invitations) goes over SMTP to
 * a local SMTP sandbox, so a test reads each message as the person's inbox would receive it.
 */
export async function startMailPlannerServer(distDir: string, options: { env?: Record<string, string>; oidcFetch?: typeof fetch } = {}): Promise<MailPlannerServer> {
  const smtp = await new SmtpSandbox().start();
  registerTeardown(() => smtp.stop());
  const t = await startTestServer({
    env: { SMTP_URL: `smtp://${smtp.host}:${smtp.port}?tls=none`, MAIL_FROM: 'WedSync Hub <hub@wedsync.example>', ...options.env },
    mount: (app) => mountPlannerApp(app, { distDir }),
    ...(options.oidcFetch ? { oidcFetch: options.oidcFetch } : {}),
  });
  return {
    ...t, smtp,
    async linkInMail(address, pattern, count = 1) {
      const mails = await waitFor(() => (smtp.to(address).length >= count ? smtp.to(address) : null), `mail ${count} to ${address}`);
      const link = new RegExp(`https?://\\S+?${pattern.source}`).exec(mails[count - 1]!.text)?.[0];
      if (!link) throw new Error(`no link like ${pattern} in mail to ${address}: ${mails[count - 1]!.text}`);
      const url = new URL(link);
      return t.httpUrl + url.pathname + url.search;
    },
  };
}

export const SIGN_IN_LINK = /\/api\/auth\/email-link\/callback\?token=[A-Za-z0-9_.~%-]+/;
export const INVITE_LINK = /\/invite\/[A-Za-z0-9_.~-]+/;
