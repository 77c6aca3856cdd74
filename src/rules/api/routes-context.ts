/** Route-level context shared by the route rules: whether a route can be served in production, and path words. */
import type { FactContext, Project } from "../../link/project.js";
import type { InventoryRoute } from "../../inventory/routes.js";

/**
 * Why a route may not be served in production: its view or route call sits in a test file or a dev-only
 * block, or one of the blueprint registrations on its chain does. Empty reasons: production.
 */
export function routeContext(project: Project, r: InventoryRoute): FactContext {
  const reasons: string[] = [];
  let test = false;
  let devOnly = false;
  const add = (c: FactContext) => {
    test ||= c.test;
    devOnly ||= c.devOnly;
    for (const x of c.reasons) if (!reasons.includes(x)) reasons.push(x);
  };
  const call = r.route.mod.index.calls.find((c) => c.call.r === r.route.r);
  if (call) add(project.contextOf(r.route.mod, call));
  if (r.viewDef && r.viewMod) add(project.contextOf(r.viewMod, r.viewDef));
  // The blueprint registrations that put the route on the app.
  for (const bp of r.blueprints) {
    const regs = project.registrations.filter((g) => g.child === bp);
    if (regs.length === 0) continue;
    const contexts = regs.map((g) => {
      const c = g.mod.index.calls.find((x) => x.call.r === g.r);
      return c ? project.contextOf(g.mod, c) : { test: false, devOnly: false, reasons: [] };
    });
    // Registered somewhere in production: the route is served.
    if (contexts.some((c) => !c.test && !c.devOnly)) continue;
    for (const c of contexts) add({ ...c, reasons: c.reasons.map((x) => `blueprint \`${bp.name ?? "?"}\` is registered only there: ${x}`) });
  }
  if (r.app) {
    const appCall = r.app.mod.index.calls.find((c) => c.call === r.app!.call);
    if (appCall) {
      const c = project.contextOf(r.app.mod, appCall);
      if (c.test || c.devOnly) add({ ...c, reasons: c.reasons.map((x) => `the app itself is built for tests or development: ${x}`) });
    }
  }
  return { test, devOnly, reasons };
}

/** Lower-case words of a URL rule's static parts: "/api/v1/debug-info/<id>" -> api, v1, debug, info. */
export function pathWords(path: string): string[] {
  return path
    .replace(/<[^>]*>/g, "/")
    .split("/")
    .flatMap((seg) => seg.split(/[-_.]+|(?<=[a-z])(?=[A-Z])/))
    .map((w) => w.toLowerCase())
    .filter(Boolean);
}

/** Static path segments ("debug-info"), lower-case. */
export function pathSegments(path: string): string[] {
  return path
    .split("/")
    .filter((s) => s && !s.startsWith("<"))
    .map((s) => s.toLowerCase());
}
