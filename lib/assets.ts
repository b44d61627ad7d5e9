/**
 * The browser assets of both apps (scripts, stylesheets, uPlot), built by scripts/build-assets.ts into
 * lib/assets.generated.ts and served at `/_wr/assets/<name>.<hash>.<ext>` by the edge and the origin alike.
 * A name carries a hash of its content, so a browser keeps it forever and a changed file gets a new URL.
 */
import { ASSETS, type Asset, type AssetKey } from "./assets.generated";

export type { Asset, AssetKey };

/** How long a browser or cache may keep an asset: a year, never revalidated (the URL changes with the content). */
export const ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable";

let byPath: Map<string, Asset> | undefined;

/** The URL path of an asset, by its source path (e.g. `assetPath("worker/pages/wait.client.ts")`). */
export function assetPath(key: AssetKey): string {
  return ASSETS[key].path;
}

/** The asset served at a URL path, or undefined. */
export function assetByPath(pathname: string): Asset | undefined {
  byPath ??= new Map(Object.values<Asset>(ASSETS).map((asset) => [asset.path, asset]));
  return byPath.get(pathname);
}

/** The response for an asset's URL path (cacheable forever), or undefined when no asset has that path. */
export function serveAsset(pathname: string): Response | undefined {
  const asset = assetByPath(pathname);
  if (!asset) return undefined;
  return new Response(asset.body, {
    headers: { "content-type": asset.type, "cache-control": ASSET_CACHE_CONTROL, "x-content-type-options": "nosniff" },
  });
}
