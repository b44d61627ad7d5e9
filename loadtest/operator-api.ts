/**
 * The operator API (`/_wr/admin/*` on the edge) as the rehearsals and benchmarks call it: a GET, or a POST of
 * JSON when there is a body, with the operator's Bearer token. A refusal throws with the path, the status and
 * the answer's text; an edge it cannot reach, with where it looked.
 */
export async function operatorApi(target: string, token: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${target}/_wr/admin${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch((err: Error) => {
    throw new Error(`cannot reach the edge at ${target}: is \`npm start\` running, and is --target right?`, { cause: err.cause });
  });
  if (!res.ok) throw new Error(`operator API ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}
