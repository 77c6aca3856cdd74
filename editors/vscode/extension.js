// Starts `flaskwarden lsp --stdio` for the workspace and connects VS Code to it.
"use strict";
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const settings = vscode.workspace.getConfiguration("flaskwarden");
  const command = settings.get("path") || "flaskwarden";
  const server = { command, args: ["lsp", "--stdio"], transport: TransportKind.stdio };
  const docsBaseUrl = settings.get("docsBaseUrl");
  client = new LanguageClient(
    "flaskwarden",
    "flaskwarden",
    { run: server, debug: server },
    {
      // Python files, Jinja templates, and the deployment and dependency files flaskwarden also checks.
      documentSelector: [
        { scheme: "file", language: "python" },
        { scheme: "file", language: "html" },
        { scheme: "file", language: "jinja-html" },
        { scheme: "file", language: "dockerfile" },
        { scheme: "file", language: "pip-requirements" },
        { scheme: "file", language: "toml" },
        { scheme: "file", language: "yaml" },
        { scheme: "file", language: "dotenv" },
        { scheme: "file", language: "properties" },
        { scheme: "file", language: "shellscript" },
        { scheme: "file", pattern: "**/{Procfile,requirements*.txt,.env,.env.*}" },
      ],
      initializationOptions: {
        debounceMs: settings.get("debounceMs"),
        ...(docsBaseUrl ? { docsBaseUrl } : {}),
      },
    },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
