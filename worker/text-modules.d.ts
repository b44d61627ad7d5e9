/** Files bundled as text by wrangler.toml's [[rules]] (the console's charting library). */
declare module "uplot/dist/uPlot.iife.min.js" {
  const text: string;
  export default text;
}
declare module "uplot/dist/uPlot.min.css" {
  const text: string;
  export default text;
}
