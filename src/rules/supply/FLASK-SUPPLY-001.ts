import type { Severity } from "../../core/types.js";
import type { Dependency } from "../../index/manifest/types.js";
import type { ManifestFile, Project } from "../../link/project.js";
import { isTestPath } from "../../link/project.js";
import { defineRule } from "../define.js";
import { ADVISORIES, SECURITY_CRITICAL, type Advisory } from "./advisories.js";
import { markerApplies } from "./markers.js";
import {
  complement,
  compareVersions,
  contains,
  floorOf,
  intersect,
  isEmptySet,
  mustParse,
  parsePoetryConstraint,
  parseSpecifierSet,
  parseVersion,
  range,
  singleVersion,
  union,
  type Version,
  type VersionSet,
} from "./pep440.js";

const ADVISORIES_BY_PKG = new Map<string, Advisory[]>();
for (const a of ADVISORIES) ADVISORIES_BY_PKG.set(a.pkg, [...(ADVISORIES_BY_PKG.get(a.pkg) ?? []), a]);

function affectedSet(a: Advisory): VersionSet {
  return a.affected.reduce<VersionSet>((s, r) => union(s, range(r.introduced, r.fixed)), []);
}

/** Deployment files that only run on Linux (containers, Heroku-style Procfiles, systemd, uWSGI). */
const LINUX_DEPLOYMENT = new Set(["dockerfile", "compose", "procfile", "systemd", "uwsgi"]);
const LOCK_FOR: Record<string, string[]> = { pyproject: ["poetry-lock", "uv-lock"], pipfile: ["pipfile-lock"] };
/** Environments that run the app on a developer's machine (where the debugger and dev server run). */
const DEV_WORDS = /^(dev|devel|develop|development|local)$/;
/** Environments that only run tools: tests, docs, linters, type checkers. Their pins are often deliberate minimums. */
const TOOL_WORDS = /^(test|tests|testing|ci|doc|docs|lint|linting|typing|mypy|style|qa|bench|benchmark|tox|coverage|min)$/;

/** Why a manifest is not a production one: "tool" manifests are skipped, "dev" ones lower the severity. */
interface OutOfProduction {
  kind: "dev" | "tool";
  reason: string;
}

function wordsOf(text: string): string[] {
  return text.toLowerCase().split(/[/._\s-]+/);
}

/** Judged by the manifest's path: `requirements-dev.txt`, `requirements/test.txt`, `docs/requirements.txt`, files under `tests/`. */
function fileContext(path: string): OutOfProduction | null {
  if (isTestPath(path)) return { kind: "tool", reason: `${path} is a test file` };
  const words = wordsOf(path.replace(/\.(txt|toml|lock|in)$/i, ""));
  const tool = words.find((w) => TOOL_WORDS.test(w));
  if (tool) return { kind: "tool", reason: `${path} lists dependencies of tests or tooling (\`${tool}\` in its name)` };
  const dev = words.find((w) => DEV_WORDS.test(w));
  return dev ? { kind: "dev", reason: `${path} lists development dependencies (\`${dev}\` in its name)` } : null;
}

/** Judged by the dependency group or section. Extras (`extra:postgres`) are production unless named for tooling. */
function groupContext(dep: Dependency): OutOfProduction | null {
  if (dep.group === null) return null;
  if (dep.group === "develop") return { kind: "dev", reason: "listed in the `develop` section, which `pipenv install --deploy` leaves out" };
  const name = dep.group.replace(/^extra:/, "");
  const words = wordsOf(name);
  if (words.some((w) => TOOL_WORDS.test(w))) return { kind: "tool", reason: `declared in the \`${name}\` group, for tests or tooling` };
  if (words.some((w) => DEV_WORDS.test(w))) return { kind: "dev", reason: `declared in the \`${name}\` dependency group, for development` };
  return null;
}

function lower(s: Severity): Severity {
  return s === "critical" ? "high" : s === "high" ? "medium" : "low";
}

function dirOf(path: string): string {
  return path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
}

/** Whether a file this requirements file includes (`-r`, `-c`, transitively) pins the package to one version. */
function pinnedByInclude(m: ManifestFile, name: string, byPath: Map<string, ManifestFile>, seen = new Set<string>()): boolean {
  if (seen.has(m.file.path)) return false;
  seen.add(m.file.path);
  for (const inc of m.facts.includes) {
    const target = byPath.get(joinPath(dirOf(m.file.path), inc.path));
    if (!target) continue;
    if (target.facts.deps.some((d) => d.name === name && !d.direct && singleVersionOf(d) !== null)) return true;
    if (pinnedByInclude(target, name, byPath, seen)) return true;
  }
  return false;
}

function singleVersionOf(dep: Dependency): Version | null {
  const allowed = allowedOf(dep);
  return allowed ? singleVersion(allowed) : null;
}

/** `dir` + a relative path, with `.` and `..` resolved. */
function joinPath(dir: string, rel: string): string {
  const out: string[] = [];
  for (const seg of `${dir}/${rel}`.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return out.join("/");
}

/** Names reachable from `roots` through a lock file's dependency edges. */
function reach(roots: string[], edges: Record<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...(edges[n] ?? []));
  }
  return seen;
}

/** The version set a declared dependency allows; null when its constraint cannot be read. */
function allowedOf(dep: Dependency): VersionSet | null {
  try {
    if (dep.dialect === "locked") {
      const v = parseVersion(dep.spec);
      return v ? [{ lo: { v, inclusive: true }, hi: { v, inclusive: true } }] : null;
    }
    return dep.dialect === "poetry" ? parsePoetryConstraint(dep.spec) : parseSpecifierSet(dep.spec);
  } catch {
    return null;
  }
}

/** The lowest release that is outside every advisory's affected ranges, starting from `from`. */
function upgradeTarget(advisories: Advisory[], from: Version): Version {
  let target = from;
  for (let guard = 0; guard < 20; guard++) {
    let next: Version | null = null;
    for (const a of advisories) {
      for (const r of a.affected) {
        if (contains(range(r.introduced, r.fixed), target)) {
          const fixed = mustParse(r.fixed);
          if (!next || compareVersions(fixed, next) > 0) next = fixed;
        }
      }
    }
    if (!next) return target;
    target = next;
  }
  return target;
}

interface Match {
  advisory: Advisory;
  severity: Severity;
  notes: string[];
}

export default defineRule({
  id: "FLASK-SUPPLY-001",
  title: "Dependency version with a known security advisory, or unpinned Flask stack",
  family: "supply",
  severity: "medium",
  confidence: "high",
  cwe: [1395, 1104],
  owasp: "A06:2021",
  tags: ["dependencies", "supply-chain", "advisory"],
  impact:
    "The installed release carries a published vulnerability in code every request goes through (routing, sessions, multipart parsing, template rendering, CORS). Attackers scan for exactly these versions, because the advisory tells them how to exploit it.",
  fix: "Upgrade the package to the fixed release named in the finding (or later) in the manifest and the lock file, run the test suite, and redeploy.",
  mitigation:
    "Until the upgrade ships, switch off the affected feature where the advisory allows it (for example the debugger, the sandbox, or the CORS option involved) and put request-size limits in the reverse proxy.",
  docs: {
    what:
      "Reads the project's dependency manifests (requirements and constraints files, `pyproject.toml` with PEP 621, PEP 735, uv and Poetry tables, `setup.cfg`, `Pipfile`, `poetry.lock`, `Pipfile.lock`, `uv.lock`) and compares the versions of Flask, Werkzeug, Jinja2, Flask-CORS and a few libraries Flask apps commonly use with a curated table of published advisories. It reports a pinned or locked version inside an affected range, a constraint under which every allowed version is affected, and a lower bound in a requirements file that still admits affected releases. It also reports, at low severity, security-critical packages of the Flask stack (Flask, Werkzeug, Jinja2, itsdangerous, MarkupSafe, Flask-CORS, Flask-Login, Flask-WTF, Flask-JWT-Extended) that a requirements file or Pipfile installs without any version floor. The advisory table (`src/rules/supply/advisories.ts`) lists only advisories whose affected ranges are certain; a version it does not flag is not proof of safety.",
    why:
      "Known vulnerabilities in the framework and its template engine are the cheapest attacks there are: the advisory documents the flaw, the fix is public, and scanners fingerprint versions automatically. A caching proxy serving one user's session cookie to another (CVE-2023-30861), a multipart upload that pins the CPU (CVE-2023-25577), or a sandbox escape in Jinja2 (CVE-2025-27516) need no bug in your own code.",
    bad: "# requirements.txt\nFlask==2.2.2\nWerkzeug==2.2.2\nJinja2>=3.0\nitsdangerous",
    good: "# requirements.txt (compiled from requirements.in, upgraded regularly)\nFlask==3.1.1\nWerkzeug==3.1.6\nJinja2==3.1.6\nitsdangerous==2.2.0",
    detection:
      "Versions are compared with full PEP 440 semantics (epochs, pre-, post- and dev-releases, local labels, `~=`, `==X.*`, `!=`, Poetry's `^`, `~` and `||`), by turning every constraint into a set of version intervals and intersecting it with each advisory's affected ranges. Requirement files are parsed the way pip reads them: comments, `\\` continuations, `-r`/`-c` includes, per-line options such as `--hash`, extras and environment markers; a line whose marker is false on every current Python (`python_version < \"3\"`) is skipped, and URL, path and VCS requirements are not checked. An exact pin or a locked version inside an affected range, and a constraint under which every allowed version is affected, are reported at the advisory's severity. A lower bound that admits affected releases while newer ones are allowed is reported at low severity with medium confidence, and only where it decides what gets installed: in a requirements file or a Pipfile, unless an included constraints file or a sibling lock file pins the package. A `pyproject.toml` or `setup.cfg` states compatibility, so its floors and unpinned entries are not reported; its exact pins and caps are. `setup.py` is code and is not read. An advisory about an API the project never uses is not counted, and the finding's context names it: Jinja2's sandbox escapes need a `SandboxedEnvironment`, Werkzeug's Windows path advisories need `safe_join` or `send_from_directory` (calls resolved through imports and aliases in any module, or Flask's own static file route, which every app with a static folder has). Windows-only advisories are not counted when a Dockerfile, compose file, Procfile, systemd unit or uWSGI config shows the app runs on Linux, and lower the severity by one step otherwise; advisories in the interactive debugger lower it by one step. Manifests for development (`requirements-dev.txt`, `requirements/local.txt`, a Poetry or PEP 735 `dev` group, the `develop` section of `Pipfile.lock`, lock entries only a dev group pulls in) are reported at low severity, because developers run the debugger there; manifests for tests and tooling (`requirements/tests.txt`, `docs/requirements.txt`, files under `tests/`, groups named `test`, `docs`, `lint`, `typing`) are skipped, since minimum-version test pins are deliberate. Unpinned Flask-stack packages are reported only in production requirements files and Pipfiles without a lock.",
    falsePositives:
      "The table works on version numbers: a distribution that backports a fix into an older version (Debian and Red Hat packages do) is still reported; suppress the line with a `# flaskwarden: ignore[FLASK-SUPPLY-001]` comment naming the backport (requirements files and TOML manifests take comments; for `Pipfile.lock` use a per-path override in the config). Whether the project uses an advisory's API is decided from the Python files scanned; a template that uses the `xmlattr` filter or code outside the scan is not seen, so those advisories are always counted.",
    references: [
      "https://flask.palletsprojects.com/en/stable/changes/",
      "https://werkzeug.palletsprojects.com/en/stable/changes/",
      "https://github.com/pallets/flask/security/advisories/GHSA-m2qf-hxjv-5gpq",
      "https://github.com/pallets/werkzeug/security/advisories",
      "https://github.com/pallets/jinja/security/advisories",
      "https://peps.python.org/pep-0440/",
      "https://pip.pypa.io/en/stable/reference/requirements-file-format/",
    ],
  },
  check({ project, report }) {
    const used = new UsedApis(project);
    const linuxFile = project.deployment.find((d) => LINUX_DEPLOYMENT.has(d.file.subkind ?? ""));
    const linux = linuxFile ? `\`${linuxFile.file.path}\`` : null;
    const byDir = new Map<string, ManifestFile[]>();
    for (const m of project.manifests) byDir.set(dirOf(m.file.path), [...(byDir.get(dirOf(m.file.path)) ?? []), m]);
    const byPath = new Map(project.manifests.map((m) => [m.file.path, m]));

    for (const m of project.manifests) {
      const siblings = byDir.get(dirOf(m.file.path)) ?? [];
      const locks = siblings.filter((s) => (LOCK_FOR[m.file.subkind ?? ""] ?? []).includes(s.file.subkind ?? ""));
      const lockDev = lockDevReasons(m, siblings);
      const fileCtx = fileContext(m.file.path);
      for (const dep of m.facts.deps) {
        if (dep.direct || markerApplies(dep.marker) === false) continue;
        const advisories = ADVISORIES_BY_PKG.get(dep.name) ?? [];
        const critical = SECURITY_CRITICAL.has(dep.name);
        if (advisories.length === 0 && !critical) continue;
        const allowed = allowedOf(dep);
        if (!allowed || isEmptySet(allowed)) continue;
        const outside = fileCtx ?? groupContext(dep) ?? lockDev(dep);
        // Test, docs and lint environments pin old versions on purpose (minimum-version tests) and serve no one.
        if (outside?.kind === "tool") continue;
        const devReason = outside?.reason ?? null;
        const lockedElsewhere = locks.some((l) => l.facts.deps.some((d) => d.name === dep.name)) || pinnedByInclude(m, dep.name, byPath);
        // A floor matters where it decides what gets installed: requirements files, and Pipfiles without a lock.
        // A pyproject states compatibility; its lock file or the installer decides the version.
        // A pinned entry in an included constraints file or a sibling lock file overrides the floor.
        const decidesFloor = !lockedElsewhere && (m.file.subkind === "requirements" || m.file.subkind === "pipfile");
        const pinned = singleVersion(allowed);
        const floor = floorOf(allowed);

        const exact: Match[] = [];
        const floors: Match[] = [];
        const unused: Match[] = [];
        for (const a of advisories) {
          const affected = affectedSet(a);
          if (isEmptySet(intersect(allowed, affected))) continue;
          const notes: string[] = [];
          let severity = a.severity;
          if (a.debuggerOnly) {
            severity = lower(severity);
            notes.push("is in the interactive debugger, which only development setups run");
          }
          // An advisory that cannot apply here is no reason to report; it still counts for the upgrade target.
          if (a.platform === "windows" && linux) {
            unused.push({ advisory: a, severity, notes: [`only affect Windows, and ${linux} runs the app on Linux, so they are not counted`] });
            continue;
          }
          if (a.needs && !used.any(a.needs.paths) && !(a.needs.staticRoute && used.staticRoute())) {
            unused.push({ advisory: a, severity, notes: [`need ${a.needs.what}, which this project never calls, so they are not counted`] });
            continue;
          }
          if (a.platform === "windows") {
            severity = lower(severity);
            notes.push("only affects deployments on Windows");
          }
          if (isEmptySet(intersect(allowed, complement(affected)))) exact.push({ advisory: a, severity, notes });
          else if (floor && decidesFloor && floorAffected(floor, affected)) floors.push({ advisory: a, severity: "low", notes });
        }

        const context: string[] = [];
        if (devReason) context.push(devReason);
        if (exact.length > 0 || floors.length > 0) {
          const all = [...exact, ...floors];
          const severity = exact.length > 0 ? maxSeverity(exact.map((x) => (devReason ? "low" : x.severity))) : "low";
          context.push(...groupNotes(all), ...groupNotes(unused));
          const ids = (xs: Match[]) => {
            const shown = xs.slice(0, MAX_LISTED).map((x) => `${x.advisory.ids[0]} (fixed in ${fixedText(x.advisory)})`);
            return xs.length > MAX_LISTED ? `${shown.join(", ")} and ${xs.length - MAX_LISTED} more` : shown.join(", ");
          };
          const start = pinned ?? (floor ? floor.v : mustParse("0"));
          const target = upgradeTarget(
            [...all, ...unused].map((x) => x.advisory),
            start,
          );
          let message: string;
          if (exact.length > 0 && pinned) message = `${dep.written} ${pinned.text} is affected by ${ids(exact)}; upgrade to ${target.text} or later.`;
          else if (exact.length > 0) message = `Every ${dep.written} version \`${dep.spec}\` allows is affected by ${ids(exact)}; allow ${target.text} or later.`;
          else message = `The lower bound of \`${dep.written}${dep.dialect === "poetry" ? ` = "${dep.spec}"` : dep.spec}\` still admits releases affected by ${ids(floors)}; raise it to ${target.text} or later.`;
          if (exact.length > 0 && floors.length > 0) message += ` Its lower bound also admits releases affected by ${ids(floors)}.`;
          report({
            file: m.file.path,
            range: dep.range,
            message,
            severity,
            confidence: exact.length > 0 ? "high" : "medium",
            context,
            impact: all.map((x) => `${x.advisory.ids.join(" / ")}: ${x.advisory.summary}`).join(" "),
          });
          continue;
        }
        // Unpinned: no floor at all, in a file that decides what gets installed.
        if (critical && decidesFloor && !devReason && !pinned && floor === null && dep.dialect !== "locked") {
          report({
            file: m.file.path,
            range: dep.range,
            message: `${dep.written} is installed without a version floor${dep.spec ? ` (\`${dep.spec}\`)` : ""}: any release, including ones with published advisories, satisfies it. Pin it or require a patched release.`,
            severity: "low",
            confidence: "medium",
            context,
            impact: "Without a floor, a cached wheel, an old base image or a mirror can install a release with known vulnerabilities, and nothing in the project records which version was tested.",
            fix: "Pin the version (`Flask==3.1.1`), ideally in a compiled lock (pip-compile, uv, Poetry) with hashes, or at least require the first release without known advisories (`Flask>=3.1.1`).",
          });
        }
      }
    }
  },
});

/** Advisories named in a message; the finding's impact lists all of them. */
const MAX_LISTED = 4;

/** "CVE-a and CVE-b only affect ..." rather than one line per advisory. */
function groupNotes(matches: Match[]): string[] {
  const byNote = new Map<string, string[]>();
  for (const m of matches) for (const n of m.notes) byNote.set(n, [...(byNote.get(n) ?? []), m.advisory.ids[0]!]);
  return [...byNote].map(([note, ids]) => {
    const plural = ids.length > 1;
    const text = plural ? note.replace(/^is /, "are ").replace(/^only affects /, "only affect ") : note.replace(/^need /, "needs ").replace(/they are/, "it is");
    return `${ids.join(", ")} ${text}`;
  });
}

function fixedText(a: Advisory): string {
  return a.affected.map((r) => r.fixed).join(" / ");
}

function maxSeverity(xs: Severity[]): Severity {
  const order: Severity[] = ["low", "medium", "high", "critical"];
  return xs.reduce((a, b) => (order.indexOf(b) > order.indexOf(a) ? b : a), "low");
}

/** Whether the lowest version a set allows is affected (for an exclusive floor, the versions just above it). */
function floorAffected(floor: NonNullable<ReturnType<typeof floorOf>>, affected: VersionSet): boolean {
  if (floor.inclusive) return contains(affected, floor.v);
  return affected.some((i) => (!i.lo || compareVersions(i.lo.v, floor.v) <= 0) && (!i.hi || compareVersions(floor.v, i.hi.v) < 0));
}

/**
 * For a lock file: a function telling whether a locked package is only there for development, judged by
 * the lock's own root entries (uv.lock) or by the main dependencies of the sibling pyproject.toml (poetry.lock).
 */
function lockDevReasons(m: ManifestFile, siblings: ManifestFile[]): (dep: Dependency) => OutOfProduction | null {
  const edges = m.facts.edges;
  if (!edges) return () => null;
  let main: string[] = [];
  let dev: string[] = [];
  if (m.facts.roots) {
    main = m.facts.roots.main;
    dev = m.facts.roots.dev;
  } else {
    const pyproject = siblings.find((s) => s.file.subkind === "pyproject");
    if (pyproject) {
      main = pyproject.facts.deps.filter((d) => d.group === null || d.group.startsWith("extra:")).map((d) => d.name);
      dev = pyproject.facts.deps.filter((d) => d.group !== null && !d.group.startsWith("extra:")).map((d) => d.name);
    }
  }
  if (main.length === 0) return () => null;
  const prod = reach(main, edges);
  const devOnly = reach(dev, edges);
  return (dep) => (!prod.has(dep.name) && devOnly.has(dep.name) ? { kind: "dev", reason: `only a development dependency group of the project pulls ${dep.written} in` } : null);
}

/** Whether the project uses given external APIs anywhere (calls resolved through imports and aliases). */
class UsedApis {
  private readonly cache = new Map<string, boolean>();
  constructor(private readonly project: Project) {}

  any(paths: string[]): boolean {
    const key = paths.join(",");
    let v = this.cache.get(key);
    if (v === undefined) {
      v = this.scan(new Set(paths));
      this.cache.set(key, v);
    }
    return v;
  }

  /** Whether Flask's static file route is registered: an app not built with `static_folder=None`, or a blueprint with a static folder. */
  staticRoute(): boolean {
    const folder = (o: { call: { kw: { name: string | null; value: { k: string } }[] } }) => o.call.kw.find((k) => k.name === "static_folder")?.value;
    return this.project.apps.some((a) => folder(a)?.k !== "none") || this.project.blueprints.some((b) => folder(b) !== undefined && folder(b)?.k !== "none");
  }

  private scan(paths: Set<string>): boolean {
    const members = new Set([...paths].map((p) => p.slice(p.lastIndexOf(".") + 1)));
    for (const mod of this.project.pythonModules()) {
      // Callees named like the API, or bound to it by an aliasing import (`import send_from_directory as serve`).
      const names = new Set(members);
      for (const imp of mod.index.imports) if (imp.member && members.has(imp.member)) names.add(imp.local);
      for (const c of mod.index.calls) {
        const fn = c.call.fn;
        const name = fn.k === "name" ? fn.id : fn.k === "attr" ? fn.name : "";
        if (!names.has(name)) continue;
        if (this.project.extPaths(mod, c.scope, fn).some((p) => paths.has(p))) return true;
      }
    }
    return false;
  }
}
