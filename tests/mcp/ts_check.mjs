// The official TypeScript MCP SDK (@modelcontextprotocol/sdk) drives the stdio example server:
// every tool's inputSchema and outputSchema must compile under Ajv's JSON Schema 2020-12 strict
// mode with no warning (no unknown `format`), and every structuredContent the server answers
// must validate against its tool's outputSchema. The SDK itself must not warn either.
//
// Usage: node ts_check.mjs PATH_TO_mcp_server_BINARY
// scripts/e2e-mcp.sh installs the packages into a directory under target/ and runs a copy of
// this file from there (ES modules resolve packages next to the script).

import net from "node:net";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import Ajv2020 from "ajv/dist/2020.js";

const binary = process.argv[2];
if (!binary) {
  console.error("usage: node ts_check.mjs PATH_TO_mcp_server_BINARY");
  process.exit(2);
}

const problems = [];
// Anything the SDK (or Ajv) writes as a warning is a failure.
const warn = console.warn;
console.warn = (...args) => {
  problems.push(`warning: ${args.join(" ")}`);
  warn(...args);
};

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const ajvMessages = [];
const logger = {
  log: () => {},
  warn: (...args) => ajvMessages.push(`ajv warning: ${args.join(" ")}`),
  error: (...args) => ajvMessages.push(`ajv error: ${args.join(" ")}`),
};
const ajv = new Ajv2020({ strict: true, allErrors: true, logger });

function compile(tool, which, schema) {
  const before = ajvMessages.length;
  try {
    const validate = ajv.compile(schema);
    for (const message of ajvMessages.slice(before)) problems.push(`${tool} ${which}: ${message}`);
    return validate;
  } catch (error) {
    problems.push(`${tool} ${which}: does not compile: ${error.message}`);
    return null;
  }
}

const transport = new StdioClientTransport({
  command: binary,
  args: [],
  env: { PATH: process.env.PATH ?? "", SESSION_BUDDY_PROMETHEUS_METRICS_PORT: String(await freePort()) },
  stderr: "inherit",
});
const client = new Client({ name: "session-metrics-ts-check", version: "1.0.0" });
await client.connect(transport);

const { tools } = await client.listTools();
const validators = new Map();
let schemas = 0;
for (const tool of tools) {
  compile(tool.name, "inputSchema", tool.inputSchema);
  schemas += 1;
  if (tool.outputSchema) {
    schemas += 1;
    const validate = compile(tool.name, "outputSchema", tool.outputSchema);
    if (validate) validators.set(tool.name, validate);
  }
}

// Every tool with an output schema, with arguments that succeed.
const calls = [
  ["get_prometheus_metrics", {}],
  ["list_session_metrics", {}],
  ["list_operations", {}],
  ["get_metrics_summary", {}],
  ["start_session", { shell_type: "zsh" }],
  ["end_session", { quality_score: 90 }],
  ["get_metrics_summary", {}],
];
let validated = 0;
for (const [name, args] of calls) {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) {
    problems.push(`${name}: answered isError: ${JSON.stringify(result.content)}`);
    continue;
  }
  const validate = validators.get(name);
  if (!validate) {
    problems.push(`${name}: has no output schema`);
    continue;
  }
  if (!validate(result.structuredContent)) {
    problems.push(`${name}: structuredContent does not match its outputSchema: ${ajv.errorsText(validate.errors)}`);
    continue;
  }
  validated += 1;
}
const withOutput = tools.filter((t) => t.outputSchema).map((t) => t.name);
for (const name of withOutput) {
  if (!calls.some(([called]) => called === name)) problems.push(`${name}: has an output schema but was not called`);
}
await client.close();

console.log(
  `ts-check: ${tools.length} tools, ${schemas} schemas compiled under Ajv 2020-12 strict, ` +
    `${validated} structuredContent answers validated`,
);
if (problems.length > 0) {
  for (const problem of problems) console.error(`ts-check: ${problem}`);
  process.exit(1);
}
console.log("ts-check: OK");
