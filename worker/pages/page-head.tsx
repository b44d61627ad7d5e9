/**
 * The head every page the edge serves begins with: UTF-8, a phone's width, noindex (pages here are per
 * person or per operator; only the fairness page is meant to be found), the title, the edge's one
 * stylesheet (edge.css, served under a hashed name and cached for good), then the page's own.
 */
import { assetPath } from "../../lib/assets";

const STYLESHEET = assetPath("worker/pages/edge.css");

export function PageHead(props: { title: string; indexed?: boolean; children?: unknown }) {
  return (
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      {props.indexed ? null : <meta name="robots" content="noindex" />}
      <title>{props.title}</title>
      <link rel="stylesheet" href={STYLESHEET} />
      {props.children}
    </head>
  );
}
