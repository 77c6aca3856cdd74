/**
 * What the data-flow engine knows about libraries, as data: where request data comes from (sources),
 * which calls are dangerous with it (sinks), which calls make it safe and for which kinds of sink
 * (sanitisers), and which calls return something that cannot carry it (clean results).
 *
 * Callees are matched by the dotted path the resolver gives them ("os.system", "flask.request.args"),
 * so aliases and `from x import y as z` are already taken care of. Methods on objects the resolver
 * cannot type (a cursor from a connection pool) are matched by method name where the name alone is
 * specific enough (`execute`, `xpath`, `from_string`).
 */

/**
 * Origin prefix of exception details (a caught exception, `traceback.format_exc()`): a source only for the
 * "error" kind, whose sinks take nothing else.
 */
export const ERROR_ORIGIN = "exception";

/** The kinds of sink, one per data-flow rule. */
export const SINK_KINDS = ["sql", "cmd", "code", "ldap", "xpath", "deser", "ssti", "path", "ssrf", "redirect", "upload", "upload-store", "ldap-dn", "error", "trust", "xxe", "xss", "template-var", "template-url"] as const;
export type SinkKind = (typeof SINK_KINDS)[number];

export function kindBit(k: SinkKind): number {
  return 1 << SINK_KINDS.indexOf(k);
}
export const ALL_KINDS = (1 << SINK_KINDS.length) - 1;

/** Attributes of `flask.request` that hold client-controlled data. */
export const REQUEST_ATTRS = new Set([
  "args", "form", "values", "files", "cookies", "headers", "data", "json", "view_args", "path", "full_path",
  "url", "base_url", "url_root", "host", "host_url", "environ", "stream", "query_string", "referrer",
  "user_agent", "authorization", "mimetype_params", "access_route", "input_stream",
]);

/**
 * Request data that is the address the client itself asked for (the Host header, the URL it loaded):
 * sending the client back there is not an open redirect, since no third party can choose it in a link
 * (the Referer only names the page the user came from).
 */
export const SELF_ADDRESS_ATTRS = new Set(["host", "host_url", "url_root", "url", "base_url", "environ", "referrer"]);

/** Methods of `flask.request` whose result is client-controlled. */
export const REQUEST_METHODS = new Set(["get_json", "get_data"]);

/** Paths the resolver may give the request proxy. */
export const REQUEST_OBJECTS = new Set(["flask.request", "flask.globals.request", "quart.request"]);

export interface SinkSpec {
  kind: SinkKind;
  /** Resolved callee paths ("subprocess.run"); instance methods as "requests.Session().get". */
  callees?: string[];
  /** Method names matched on receivers the resolver cannot type. */
  methods?: string[];
  /** Positional arguments that are dangerous (-1: the receiver); keyword names any of them may be passed as ("*": any keyword). */
  args: number[];
  kwargs?: string[];
  /** What the argument is, for messages: "the SQL text", "the command". */
  what: string;
  /** Extra condition on the call; returns a reason it applies, or null when the call is safe. */
  when?: "shell" | "yaml-unsafe" | "no-shell" | "allow-pickle" | "torch-unsafe" | "not-sandboxed" | "built-string" | "mongo-where" | "html-body";
  /** Only when the receiver holds request data whose origin starts with one of these (an uploaded file's `save`). */
  receiverOrigin?: string[];
  /** Only flows whose origin starts with one of these count (the "error" sinks take exception details, not request data). */
  origins?: string[];
  /** The first argument is an argument list whose first element is the program (subprocess). */
  listArgs?: boolean;
  /** Reported as this weaker variant (an argument list rather than the program). */
  variant?: "option";
}

/** `Markup` and its re-exports: wrapping text in it tells Jinja not to escape it. */
export const MARKUP_CLASSES = ["markupsafe.Markup", "flask.Markup", "jinja2.Markup", "jinja2.utils.Markup", "flask.helpers.Markup"];
/** Calls that make a response from a body (HTML unless the call says otherwise). */
export const RESPONSE_BUILDERS = ["flask.make_response", "flask.helpers.make_response", "flask.Response", "flask.wrappers.Response", "werkzeug.Response", "werkzeug.wrappers.Response", "werkzeug.wrappers.response.Response", "quart.Response", "quart.make_response"];
/** Calls that render a template with keyword arguments as its variables. */
export const RENDER_CALLS = ["flask.render_template", "flask.templating.render_template", "flask.render_template_string", "flask.templating.render_template_string", "flask.stream_template", "flask.templating.stream_template", "quart.render_template"];

const SUBPROCESS = ["call", "run", "Popen", "check_call", "check_output"].map((f) => `subprocess.${f}`);

export const SINKS: SinkSpec[] = [
  // SQL and NoSQL
  { kind: "sql", methods: ["execute", "executemany", "executescript", "exec_driver_sql"], args: [0], kwargs: ["sql", "statement", "operation", "query"], what: "the SQL text" },
  { kind: "sql", callees: ["sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text", "sqlalchemy.literal_column"], args: [0], kwargs: ["text"], what: "the SQL text" },
  { kind: "sql", callees: ["pandas.read_sql", "pandas.read_sql_query"], args: [0], kwargs: ["sql"], what: "the SQL text" },
  // MongoDB: a `$where` clause is JavaScript run on the server (`find({"$where": f"this.owner == '{x}'"})`).
  { kind: "sql", methods: ["find", "find_one", "count_documents", "delete_one", "delete_many", "update_one", "update_many", "find_one_and_update", "find_one_and_delete", "aggregate"], args: [0], kwargs: ["filter"], what: "a MongoDB `$where` clause", when: "mongo-where" },
  // SQLAlchemy query methods given raw SQL text built from strings (`.filter(f"name = '{x}'")`);
  // column expressions (`.filter(User.name == x)`) are parameterised and never match.
  { kind: "sql", methods: ["filter", "where", "order_by", "group_by", "having"], args: [0], what: "raw SQL text", when: "built-string" },
  // OS commands
  { kind: "cmd", callees: ["os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput", "commands.getoutput", "commands.getstatusoutput", "asyncio.create_subprocess_shell", "popen2.popen2"], args: [0], kwargs: ["cmd", "command"], what: "the shell command" },
  { kind: "cmd", callees: SUBPROCESS, args: [0], kwargs: ["args"], what: "the shell command", when: "shell" },
  // The subprocess functions take an argument list (or a program name) first; see `listArgs`.
  { kind: "cmd", callees: SUBPROCESS, args: [0], kwargs: ["args"], what: "the program to run", when: "no-shell", listArgs: true },
  { kind: "cmd", callees: ["asyncio.create_subprocess_exec", "pty.spawn", "os.execv", "os.execve", "os.execvp", "os.execvpe", "os.execl", "os.execle", "os.execlp", "os.execlpe", "os.posix_spawn", "os.posix_spawnp"], args: [0], kwargs: ["file", "path", "program"], what: "the program to run" },
  // os.spawn*(mode, path, ...): the program comes second.
  { kind: "cmd", callees: ["os.spawnv", "os.spawnve", "os.spawnvp", "os.spawnvpe", "os.spawnl", "os.spawnle", "os.spawnlp", "os.spawnlpe"], args: [1], kwargs: ["file", "path"], what: "the program to run" },
  // ... and its argument list after it (`/usr/bin/env` runs whatever the list names).
  { kind: "cmd", callees: ["os.spawnv", "os.spawnve", "os.spawnvp", "os.spawnvpe"], args: [2], what: "the program's argument list", variant: "option" },
  { kind: "cmd", callees: ["os.execv", "os.execve", "os.execvp", "os.execvpe"], args: [1], what: "the program's argument list", variant: "option" },
  // Code
  { kind: "code", callees: ["builtins.eval", "builtins.exec", "builtins.compile", "builtins.__import__", "importlib.import_module", "importlib.__import__"], args: [0], kwargs: ["source", "name", "expression", "object"], what: "the code or module name" },
  // LDAP
  // Filters and DNs escape differently (`escape_filter_chars` leaves `,`, `+` and `=` alone), so they are two kinds.
  { kind: "ldap", methods: ["search_s", "search_st", "search_ext", "search_ext_s"], args: [2], kwargs: ["filterstr"], what: "the LDAP filter" },
  { kind: "ldap-dn", methods: ["search_s", "search_st", "search_ext", "search_ext_s"], args: [0], kwargs: ["base"], what: "the search base DN" },
  { kind: "ldap", callees: ["ldap.initialize().search", "ldap.initialize().search_s", "ldap.ldapobject.LDAPObject().search"], args: [2], kwargs: ["filterstr"], what: "the LDAP filter" },
  { kind: "ldap-dn", callees: ["ldap.initialize().search", "ldap.initialize().search_s", "ldap.ldapobject.LDAPObject().search"], args: [0], kwargs: ["base"], what: "the search base DN" },
  { kind: "ldap", callees: ["ldap3.Connection().search"], args: [1], kwargs: ["search_filter"], what: "the LDAP filter" },
  { kind: "ldap-dn", callees: ["ldap3.Connection().search"], args: [0], kwargs: ["search_base"], what: "the search base DN" },
  { kind: "ldap", methods: ["paged_search"], args: [1], kwargs: ["search_filter"], what: "the LDAP filter" },
  { kind: "ldap-dn", methods: ["paged_search"], args: [0], kwargs: ["search_base"], what: "the search base DN" },
  // XPath
  { kind: "xpath", methods: ["xpath"], args: [0], kwargs: ["_path"], what: "the XPath expression" },
  { kind: "xpath", callees: ["lxml.etree.XPath", "lxml.etree.ETXPath"], args: [0], kwargs: ["path"], what: "the XPath expression" },
  // An XPathEvaluator is called with the expression: `evaluator = etree.XPathEvaluator(doc); evaluator(expr)`.
  { kind: "xpath", callees: ["lxml.etree.XPathEvaluator()", "lxml.etree.XPathDocumentEvaluator()", "lxml.etree.XPathElementEvaluator()"], args: [0], kwargs: ["_path"], what: "the XPath expression" },
  // Deserialisation
  { kind: "deser", callees: ["pickle.loads", "pickle.load", "_pickle.loads", "cPickle.loads", "cPickle.load", "dill.loads", "dill.load", "marshal.loads", "marshal.load", "shelve.open", "jsonpickle.decode", "jsonpickle.loads", "yaml.unsafe_load", "yaml.unsafe_load_all", "pandas.read_pickle", "joblib.load", "pickle.Unpickler", "_pickle.Unpickler", "dill.Unpickler", "cloudpickle.loads", "cloudpickle.load"], args: [0], kwargs: ["data", "file", "s", "string"], what: "the serialised data" },
  { kind: "deser", callees: ["numpy.load"], args: [0], kwargs: ["file"], what: "the serialised data", when: "allow-pickle" },
  { kind: "deser", callees: ["torch.load"], args: [0], kwargs: ["f"], what: "the serialised data", when: "torch-unsafe" },
  { kind: "deser", callees: ["yaml.load", "yaml.load_all"], args: [0], kwargs: ["stream"], what: "the YAML document", when: "yaml-unsafe" },
  // Templates
  { kind: "ssti", callees: ["flask.render_template_string", "flask.templating.render_template_string", "jinja2.Template", "jinja2.environment.Template", "mako.template.Template"], args: [0], kwargs: ["source", "text"], what: "the template source" },
  { kind: "ssti", methods: ["from_string"], args: [0], kwargs: ["source"], what: "the template source", when: "not-sandboxed" },
  // Paths
  { kind: "path", callees: ["builtins.open", "io.open", "codecs.open", "os.open", "os.remove", "os.unlink", "os.rmdir", "os.removedirs", "os.listdir", "os.scandir", "os.makedirs", "os.mkdir", "os.chmod", "os.chown", "shutil.rmtree", "shutil.copyfileobj", "flask.send_file", "flask.helpers.send_file", "werkzeug.utils.send_file", "tarfile.open", "zipfile.ZipFile"], args: [0], kwargs: ["file", "path", "path_or_file", "filename_or_fp", "name"], what: "the file path" },
  { kind: "path", callees: ["os.rename", "os.replace", "shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.move", "shutil.copytree"], args: [0, 1], kwargs: ["src", "dst"], what: "the file path" },
  { kind: "path", methods: ["read_text", "read_bytes", "write_text", "write_bytes", "open", "unlink", "rmdir", "mkdir", "touch", "iterdir", "symlink_to", "hardlink_to"], args: [-1], what: "the file path" },
  // send_from_directory confines the file name to the folder, but not a folder the request chose.
  { kind: "path", callees: ["flask.send_from_directory", "flask.helpers.send_from_directory", "werkzeug.utils.send_from_directory"], args: [0], kwargs: ["directory"], what: "the folder files are served from" },
  // Uploads (FLASK-UPLOAD-001): the destination of an uploaded file's `save`, whether the upload came from
  // `request.files` or a Flask-WTF/WTForms file field; any other `save` method is not matched.
  { kind: "upload", methods: ["save"], receiverOrigin: ["request.files", "form field"], args: [0], kwargs: ["dst"], what: "the path the upload is saved to" },
  // Every save of an upload, whatever its name ("upload-store", -1: the receiver): where uploads are kept, for
  // FLASK-UPLOAD-001's checks on the folder (static, served back inline).
  { kind: "upload-store", methods: ["save"], receiverOrigin: ["request.files", "form field"], args: [-1], what: "the uploaded file" },
  // Outgoing requests
  { kind: "ssrf", callees: ["get", "post", "put", "patch", "delete", "head", "options"].flatMap((m) => [`requests.${m}`, `httpx.${m}`, `requests.Session().${m}`, `requests.session().${m}`, `httpx.Client().${m}`, `httpx.AsyncClient().${m}`, `aiohttp.ClientSession().${m}`]).concat(["urllib.request.urlopen", "urllib.request.urlretrieve", "urllib2.urlopen", "urllib.urlopen"]), args: [0], kwargs: ["url"], what: "the URL" },
  { kind: "ssrf", callees: ["httpx.stream", "requests.request", "httpx.request", "requests.Session().request", "httpx.Client().request", "aiohttp.ClientSession().request", "urllib3.PoolManager().request", "urllib3.PoolManager().urlopen", "urllib3.request"], args: [1], kwargs: ["url"], what: "the URL" },
  // Cross-site scripting (FLASK-XSS-001): text marked as safe markup, and response bodies served as HTML
  // (the default mimetype; `mimetype="text/plain"` or a JSON content type is not HTML).
  { kind: "xss", callees: MARKUP_CLASSES, args: [0], kwargs: ["base", "object"], what: "markup that Jinja will not escape" },
  { kind: "xss", callees: RESPONSE_BUILDERS, args: [0], kwargs: ["response"], what: "the body of an HTML response", when: "html-body" },
  // Values handed to a template ("template-var"): a finding only where the template prints them unescaped
  // (FLASK-XSS-001's template side); the engine reports each variable separately (see the engine).
  { kind: "template-var", callees: RENDER_CALLS, args: [], what: "a template variable" },
  // The same variables as URLs: HTML escaping does not clear these (a `javascript:` URL survives it).
  { kind: "template-url", callees: RENDER_CALLS, args: [], what: "a template variable" },
  // Error details sent to the client (FLASK-ERROR-001): the description `abort()` puts into the error page
  // or the response it is given; a view's return value is the other sink (see ERROR_ORIGIN).
  { kind: "error", callees: ["flask.jsonify", "flask.json.jsonify", "flask.make_response", "flask.helpers.make_response", "flask.Response", "flask.wrappers.Response", "werkzeug.Response", "werkzeug.wrappers.Response", "werkzeug.wrappers.response.Response"], args: [0, 1, 2, 3, 4, 5], kwargs: ["*"], what: "the response", origins: [ERROR_ORIGIN] },
  { kind: "error", callees: ["flask.abort", "werkzeug.exceptions.abort"], args: [0, 1], kwargs: ["description", "response"], what: "the error response", origins: [ERROR_ORIGIN] },
  // Signed tokens built from request data (FLASK-TRUST-001): whatever goes in is vouched for by the app's key.
  { kind: "trust", callees: ["jwt.encode", "jose.jwt.encode", "authlib.jose.jwt.encode"], args: [0], kwargs: ["payload", "claims"], what: "the token's claims" },
  { kind: "trust", callees: ["flask_jwt_extended.create_access_token", "flask_jwt_extended.create_refresh_token", "flask_jwt_extended.utils.create_access_token", "flask_jwt_extended.utils.create_refresh_token"], args: [0], kwargs: ["identity", "additional_claims"], what: "the token's identity" },
  { kind: "trust", callees: ["URLSafeTimedSerializer", "URLSafeSerializer", "TimedSerializer", "Serializer", "JSONWebSignatureSerializer", "TimedJSONWebSignatureSerializer"].map((c) => `itsdangerous.${c}().dumps`).concat(["itsdangerous.Signer().sign", "itsdangerous.TimestampSigner().sign"]), args: [0], kwargs: ["obj", "value"], what: "the signed value" },
  // XML parsed by lxml (FLASK-XXE-001 decides whether the parser resolves external entities).
  { kind: "xxe", callees: ["fromstring", "XML", "parse", "iterparse", "XMLID", "fromstringlist"].flatMap((f) => [`lxml.etree.${f}`, `lxml.objectify.${f}`]), args: [0], kwargs: ["text", "source"], what: "the XML document" },
  // Redirects
  { kind: "redirect", callees: ["flask.redirect", "flask.helpers.redirect", "werkzeug.utils.redirect", "quart.redirect"], args: [0], kwargs: ["location"], what: "the redirect target" },
];

/** Calls whose result is safe for the given kinds of sink (a mask of kindBit; ALL_KINDS for all). */
export const SANITISERS: Record<string, number> = {
  "builtins.int": ALL_KINDS,
  "builtins.float": ALL_KINDS,
  "builtins.bool": ALL_KINDS,
  "builtins.complex": ALL_KINDS,
  "builtins.len": ALL_KINDS,
  "builtins.abs": ALL_KINDS,
  "builtins.round": ALL_KINDS,
  "builtins.hash": ALL_KINDS,
  "builtins.ord": ALL_KINDS,
  "builtins.id": ALL_KINDS,
  "builtins.isinstance": ALL_KINDS,
  "builtins.hasattr": ALL_KINDS,
  "builtins.callable": ALL_KINDS,
  "uuid.UUID": ALL_KINDS,
  "decimal.Decimal": ALL_KINDS,
  "datetime.date.fromisoformat": ALL_KINDS,
  "datetime.datetime.fromisoformat": ALL_KINDS,
  "datetime.datetime.strptime": ALL_KINDS,
  "ipaddress.ip_address": ALL_KINDS & ~kindBit("ssrf"),
  "flask.url_for": ALL_KINDS,
  "flask.helpers.url_for": ALL_KINDS,
  "werkzeug.utils.secure_filename": kindBit("path") | kindBit("upload"),
  // Werkzeug before 1.0 exported it from the package itself.
  "werkzeug.secure_filename": kindBit("path") | kindBit("upload"),
  "os.path.basename": kindBit("path") | kindBit("upload"),
  "werkzeug.security.safe_join": kindBit("path") | kindBit("upload"),
  "werkzeug.utils.safe_join": kindBit("path") | kindBit("upload"),
  "flask.safe_join": kindBit("path") | kindBit("upload"),
  "flask.helpers.safe_join": kindBit("path") | kindBit("upload"),
  "shlex.quote": kindBit("cmd"),
  "pipes.quote": kindBit("cmd"),
  "ldap3.utils.conv.escape_filter_chars": kindBit("ldap"),
  "ldap3.utils.dn.escape_rdn": kindBit("ldap-dn"),
  "ldap.filter.escape_filter_chars": kindBit("ldap"),
  "ldap.dn.escape_dn_chars": kindBit("ldap-dn"),
  "ldap.filter.filter_format": kindBit("ldap"),
  "hashlib.md5": ALL_KINDS,
  "hashlib.sha1": ALL_KINDS,
  "hashlib.sha256": ALL_KINDS,
  "hashlib.sha512": ALL_KINDS,
  "hashlib.new": ALL_KINDS,
  "hmac.new": ALL_KINDS,
  "hmac.compare_digest": ALL_KINDS,
  "secrets.compare_digest": ALL_KINDS,
  "werkzeug.security.generate_password_hash": ALL_KINDS,
  "werkzeug.security.check_password_hash": ALL_KINDS,
  "base64.b64encode": ALL_KINDS & ~kindBit("deser"),
  // HTML escaping: safe to print as markup, and as a template variable even under `|safe`. Not safe for
  // SQL or shells, and not for an `href` (escaping leaves a `javascript:` URL intact; see FLASK-XSS-001).
  ...Object.fromEntries(["markupsafe.escape", "markupsafe.escape_silent", "markupsafe.Markup.escape", "flask.Markup.escape", "jinja2.Markup.escape", "flask.escape", "jinja2.escape", "jinja2.utils.escape", "werkzeug.utils.escape", "werkzeug.escape", "html.escape", "cgi.escape", "xml.sax.saxutils.escape", "bleach.clean", "bleach.linkify", "nh3.clean", "urllib.parse.quote", "urllib.parse.quote_plus", "urllib.parse.urlencode"].map((p) => [p, kindBit("xss") | kindBit("template-var")])),
  // Results that are not HTML text built from their arguments: a JSON response, an escaped rendering.
  ...Object.fromEntries(["flask.jsonify", "flask.json.jsonify", ...RENDER_CALLS].map((p) => [p, kindBit("xss")])),
  "base64.urlsafe_b64encode": ALL_KINDS & ~kindBit("deser"),
};

/** String methods that build their result from their arguments (`"-".join(parts)`, `"{}".format(x)`). */
export const STRING_BUILDERS = new Set(["join", "format", "format_map", "replace", "encode", "decode", "strip", "lstrip", "rstrip", "lower", "upper", "title", "capitalize", "casefold", "center", "ljust", "rjust", "zfill", "expandtabs", "translate", "removeprefix", "removesuffix", "split", "rsplit", "splitlines", "partition", "rpartition", "swapcase", "joinpath", "with_name", "with_suffix", "with_stem", "copy_with", "resolve", "absolute", "expanduser"]);

/** Objects the resolver names by a plain path that are not modules: their methods are object methods. */
export const OBJECT_ROOTS = ["flask.current_app", "flask.g", "flask.session", "flask.request"];

/** Methods whose result never carries the receiver's data in a dangerous form (booleans, counts, hashes). */
export const CLEAN_METHODS = new Set([
  "startswith", "endswith", "isdigit", "isnumeric", "isdecimal", "isalpha", "isalnum", "isidentifier",
  "isspace", "islower", "isupper", "istitle", "isascii", "count", "index", "find", "rfind", "hexdigest", "digest",
  "keys_count", "__len__", "exists", "is_file", "is_dir", "match_count",
]);

/** Methods that put their arguments into their receiver (so the receiver becomes tainted). */
export const MUTATING_METHODS = new Set(["append", "extend", "insert", "add", "update", "setdefault", "appendleft", "extendleft"]);

/** Calls after which the code does not go on: a guard's failing branch ends with one of these. */
export const NO_RETURN = new Set(["flask.abort", "werkzeug.exceptions.abort", "builtins.exit", "sys.exit", "os._exit", "builtins.quit"]);

/** `request.args.get("n", type=int)`: these conversions leave no text behind. */
export const SAFE_TYPE_ARGS = new Set(["builtins.int", "builtins.float", "builtins.bool", "uuid.UUID"]);

/** Typed URL converters whose value cannot carry text: `<int:id>` is safe, `<path:p>` is not. */
export const SAFE_CONVERTERS = new Set(["int", "float", "uuid", "any"]);

/** `yaml.load(..., Loader=X)` is safe with these loaders. */
export const SAFE_YAML_LOADERS = new Set(["SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"]);
