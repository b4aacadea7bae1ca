// PostGraphile 5 for the benchmark: the `app` tables (and the harness's `cgbench_peer.pipeline()`), connected
// as ChannelGraph's runtime role, with the caller's identity from the same HS256 JWT set as transaction-local
// settings (`pgSettings`), so the same row-level security policies apply.
//
// Environment: PGL_DATABASE_URL, PGL_JWT_SECRET, PGL_PORT, PGL_WORKERS (node:cluster), PGL_POOL (per worker),
// PGL_PRINT_SCHEMA=1 (print the SDL and exit). Only the bench installs and runs this (bench/.peer).
import cluster from "node:cluster";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.env.PGL_PEER_DIR, "package.json"));
const load = async (name) => import(require.resolve(name));

const { postgraphile } = await load("postgraphile");
const { grafserv } = await load("postgraphile/grafserv/node");
const { PostGraphileAmberPreset } = await load("postgraphile/presets/amber");
const { makePgService } = await load("postgraphile/adaptors/pg");
const jwt = (await load("jsonwebtoken")).default;

const secret = process.env.PGL_JWT_SECRET;
const workers = Number(process.env.PGL_WORKERS || "1");

function settingsFor(authorization) {
  const token = (authorization || "").replace(/^Bearer\s+/i, "");
  // Same checks as ChannelGraph's TokenService: HS256, issuer, expiry.
  const claims = jwt.verify(token, secret, { algorithms: ["HS256"], issuer: "channelgraph" });
  const who = claims.bench || {};
  return {
    "app.tenant_id": String(claims.tid || ""),
    "app.audience": String(who.audience || ""),
    "app.user_id": String(claims.sub || ""),
    "app.partner_id": String(who.partner_id || ""),
    "app.customer_id": "",
    "app.roles": String(who.roles || ""),
    "app.api_key_id": "",
    // ChannelGraph's app.set_identity computes a partner's scope per transaction; PostGraphile's settings are
    // static, so the harness spells the same scope out in the token.
    "app.partner_scope": String(who.partner_scope || ""),
  };
}

const preset = {
  extends: [PostGraphileAmberPreset],
  // Order and filter by any column (ChannelGraph orders customers by name, filters on archived_at), not only
  // by indexed ones: the same queries as ChannelGraph's, whatever their plans.
  disablePlugins: ["PgIndexBehaviorsPlugin"],
  pgServices: [
    makePgService({
      connectionString: process.env.PGL_DATABASE_URL,
      schemas: ["app", "cgbench_peer"],
      poolConfig: { max: Number(process.env.PGL_POOL || "10") },
    }),
  ],
  grafast: {
    explain: false,
    context(requestContext) {
      const req = requestContext.node?.req;
      return { pgSettings: settingsFor(req?.headers?.authorization) };
    },
  },
  grafserv: { graphqlPath: "/graphql", graphiql: false, websockets: false, maxRequestLength: 100000 },
};

async function serve() {
  const pgl = postgraphile(preset);
  if (process.env.PGL_PRINT_SCHEMA === "1") {
    const { printSchema } = await load("graphql");
    const { schema } = await pgl.getSchemaResult();
    process.stdout.write(printSchema(schema));
    await pgl.release();
    process.exit(0);
  }
  const serv = pgl.createServ(grafserv);
  const server = createServer();
  server.keepAliveTimeout = 65000;
  serv.addTo(server);
  server.listen(Number(process.env.PGL_PORT), "127.0.0.1");
}

if (workers > 1 && cluster.isPrimary && process.env.PGL_PRINT_SCHEMA !== "1") {
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on("exit", (worker, code) => {
    console.error(`postgraphile worker ${worker.process.pid} exited (${code})`);
    process.exit(1);
  });
} else {
  await serve();
}
