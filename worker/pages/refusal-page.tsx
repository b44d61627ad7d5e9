/**
 * The page of a refusal (edge/refusal.ts): the reason in plain words, and what happens next: a reload
 * after the wait, a link to try again, or, for a proof of work, a progress bar while the page's script
 * solves the challenge.
 */
import { assetPath } from "../../lib/assets";
import { PageHead } from "./page-head";
import { type Lang, messages } from "./words";

/** The proof of work's solver (pow.client.ts), for the challenge page only. */
const SOLVER_PATH = assetPath("worker/pages/pow.client.ts");

interface RefusalPageProps {
  lang: Lang;
  title: string;
  heading: string;
  body: string;
  refresh?: number;
  challenge?: { token: string; bits: number };
  retry?: string;
}

function RefusalPage(props: RefusalPageProps) {
  const t = messages[props.lang];
  return (
    <html lang={props.lang}>
      <PageHead title={props.title}>{props.refresh ? <meta http-equiv="refresh" content={String(props.refresh)} /> : null}</PageHead>
      <body class="refusal">
        <main>
          <div
            class="card"
            id={props.challenge ? "wr-pow" : undefined}
            data-challenge={props.challenge?.token}
            data-bits={props.challenge ? String(props.challenge.bits) : undefined}
          >
            <h1>{props.heading}</h1>
            <p role="status">{props.body}</p>
            {props.retry ? (
              <p>
                <a href={props.retry}>{t.tryAgain}</a>
              </p>
            ) : null}
            {props.challenge ? (
              <>
                <progress id="wr-pow-progress" max="1" value="0" aria-label={props.heading} />
                <p id="wr-pow-status" />
                <p id="wr-pow-unsupported" role="alert" hidden>
                  {t.challengeUnsupported}
                </p>
                <noscript>
                  <p>{t.challengeNoScript}</p>
                </noscript>
              </>
            ) : null}
          </div>
        </main>
        {props.challenge ? <script src={SOLVER_PATH} defer /> : null}
      </body>
    </html>
  );
}

/** A refusal as a page (HTML text): what happened, and what the page does next. */
export function renderRefusalPage(props: RefusalPageProps): string {
  return "<!DOCTYPE html>" + String(<RefusalPage {...props} />);
}
