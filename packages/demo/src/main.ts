import { startApp } from "./app.ts";

const root = document.getElementById("app");
if (root === null) throw new Error("The page has no #app element to render into.");
startApp(root);
