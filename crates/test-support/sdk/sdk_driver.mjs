// Drives `codex exec` through the official TypeScript SDK, as an
// application would: start a thread, run a turn, run a streamed turn,
// then resume the thread by id in a new Codex instance.
//
// node sdk_driver.mjs SDK_DIR CODEX_BINARY BASE_URL WORKDIR
// Prints one JSON object per step on stdout.
import { pathToFileURL } from "node:url";
import path from "node:path";

const [sdkDir, codexPath, baseUrl, workdir] = process.argv.slice(2);
const { Codex } = await import(pathToFileURL(path.join(sdkDir, "dist/index.js")).href);

const options = { codexPathOverride: codexPath, baseUrl, apiKey: "sk-sdk-test" };
const threadOptions = {
  workingDirectory: workdir,
  skipGitRepoCheck: true,
  sandboxMode: "workspace-write",
  model: "gpt-5.5",
  approvalPolicy: "never",
};

const codex = new Codex(options);
const thread = codex.startThread(threadOptions);
const first = await thread.run("first task");
console.log(JSON.stringify({ step: "run", threadId: thread.id, finalResponse: first.finalResponse, items: first.items, usage: first.usage }));

const { events } = await thread.runStreamed("second task");
const types = [];
for await (const event of events) {
  types.push(event.type);
}
console.log(JSON.stringify({ step: "streamed", types }));

const resumed = new Codex(options).resumeThread(thread.id, threadOptions);
const third = await resumed.run("third task");
console.log(JSON.stringify({ step: "resumed", threadId: resumed.id, finalResponse: third.finalResponse }));
