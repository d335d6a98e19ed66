// The playground page: sends the settings to the server, which trains with graphgrad, and draws the frames it
// streams back (server-sent events). No framework, no build step.
"use strict";

const FIELDS = ["dataset", "noise", "test_fraction", "hidden", "activation", "learning_rate", "optimizer",
                "batch_size", "regularization", "regularization_rate"];
const NUMBERS = new Set(["noise", "test_fraction", "learning_rate", "batch_size", "regularization_rate"]);
const ORANGE = [245, 147, 34], WHITE = [232, 234, 235], BLUE = [8, 119, 189];

const state = { id: null, source: null, data: null, playing: false, frame: null };
const $ = (id) => document.getElementById(id);

function showMessage(text) {
  const box = $("message");
  box.textContent = text || "";
  box.hidden = !text;
}

function readConfig() {
  const cfg = {};
  for (const name of FIELDS) {
    const value = $(name).value;
    if (name === "hidden") {
      cfg.hidden = value.trim() === "" ? [] : value.split(",").map((v) => v.trim()).map((v) =>
        /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v);
    } else if (NUMBERS.has(name)) {
      cfg[name] = value.trim() === "" || isNaN(Number(value)) ? value : Number(value);
    } else {
      cfg[name] = value;
    }
  }
  return cfg;
}

function writeConfig(cfg) {
  for (const name of FIELDS) {
    if (!(name in cfg)) continue;
    $(name).value = name === "hidden" ? cfg.hidden.join(", ") : cfg[name];
  }
}

async function api(path, body) {
  let response;
  try {
    response = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
                                   body: body === undefined ? "" : JSON.stringify(body) });
  } catch (e) {
    throw new Error("cannot reach the graphgrad server: is `graphgrad playground` still running?");
  }
  let payload = null;
  try { payload = await response.json(); } catch (e) { payload = null; }
  if (!response.ok) {
    throw new Error((payload && payload.error) || `the server answered ${response.status}`);
  }
  return payload;
}

async function start() {
  try {
    const created = await api("/api/sessions", { config: readConfig() });
    state.id = created.id;
    state.data = created.data;
    writeConfig(created.config);
    showMessage("");
    openStream();
  } catch (e) {
    showMessage(e.message);
  }
}

function openStream() {
  if (state.source) state.source.close();
  const source = new EventSource(`/api/sessions/${state.id}/events`);
  state.source = source;
  source.onmessage = (event) => {
    const frame = JSON.parse(event.data);
    state.frame = frame;
    draw(frame);
  };
  source.addEventListener("closed", () => { source.close(); showMessage("this session was closed; reload the page"); });
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) showMessage("lost the connection to the graphgrad server");
  };
}

async function sendConfig() {
  if (!state.id) return start();
  try {
    const result = await api(`/api/sessions/${state.id}/config`, { config: readConfig() });
    state.data = result.data;
    showMessage("");
    if (state.frame) draw(state.frame);
  } catch (e) {
    showMessage(e.message);
  }
}

async function action(name) {
  if (!state.id) return;
  try {
    const result = await api(`/api/sessions/${state.id}/${name}`);
    setPlaying(result.playing);
  } catch (e) {
    showMessage(e.message);
  }
}

function setPlaying(playing) {
  state.playing = playing;
  $("play").textContent = playing ? "Pause" : "Play";
}

// --- drawing ----------------------------------------------------------------------------------------------

function mix(t) {  // t in [0, 1]: orange (0) through white to blue (1)
  const [a, b, u] = t < 0.5 ? [ORANGE, WHITE, t * 2] : [WHITE, BLUE, t * 2 - 1];
  return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * u));
}

function bytes(b64) {
  const text = atob(b64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function heatmap(canvas, b64, n, alpha) {
  const values = bytes(b64);
  const tmp = document.createElement("canvas");
  tmp.width = n; tmp.height = n;
  const ctx = tmp.getContext("2d");
  const image = ctx.createImageData(n, n);
  for (let i = 0; i < n * n; i++) {
    const [r, g, b] = mix(values[i] / 255);
    image.data.set([r, g, b, alpha], i * 4);
  }
  ctx.putImageData(image, 0, 0);
  const out = canvas.getContext("2d");
  out.imageSmoothingEnabled = true;
  out.clearRect(0, 0, canvas.width, canvas.height);
  out.drawImage(tmp, 0, 0, canvas.width, canvas.height);
}

function drawPoints(canvas) {
  if (!state.data) return;
  const ctx = canvas.getContext("2d"), d = state.data.domain, w = canvas.width, h = canvas.height;
  const px = (x) => (x + d) / (2 * d) * w, py = (y) => (d - y) / (2 * d) * h;
  for (const [set, filled] of [["train", true], ["test", false]]) {
    for (const [x, y, label] of state.data[set]) {
      const [r, g, b] = label ? BLUE : ORANGE;
      ctx.beginPath();
      ctx.arc(px(x), py(y), 3, 0, 2 * Math.PI);
      ctx.fillStyle = `rgb(${r},${g},${b})`; ctx.fill();
      ctx.strokeStyle = filled ? "#fff" : "#222"; ctx.lineWidth = filled ? 1 : 1.2; ctx.stroke();
    }
  }
}

function drawLosses(canvas, history) {
  const ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  const values = history.flatMap(([, a, b]) => [a, b]).filter((v) => v !== null);
  if (history.length < 2 || !values.length) return;
  const top = Math.max(...values, 1e-6), x0 = history[0][0], x1 = history[history.length - 1][0] || 1;
  for (const [index, color] of [[1, "#999"], [2, "#222"]]) {
    ctx.beginPath();
    history.forEach((point, i) => {
      if (point[index] === null) return;
      const x = (point[0] - x0) / Math.max(x1 - x0, 1e-9) * (w - 2) + 1;
      const y = h - 2 - point[index] / top * (h - 6);
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.strokeStyle = color; ctx.lineWidth = 1.5; ctx.stroke();
  }
}

function drawNeurons(frame) {
  const box = $("layers");
  const shape = frame.neurons.map((l) => l.length).join(",");
  if (box.dataset.shape !== shape) {
    box.textContent = "";
    frame.neurons.forEach((layer, i) => {
      const column = document.createElement("div");
      column.className = "layer";
      const title = document.createElement("div");
      title.className = "title";
      title.textContent = `layer ${i + 1}`;
      column.appendChild(title);
      layer.forEach((_, j) => {
        const c = document.createElement("canvas");
        c.className = "neuron"; c.width = 48; c.height = 48;
        c.title = `layer ${i + 1}, neuron ${j + 1}`;
        column.appendChild(c);
      });
      box.appendChild(column);
    });
    box.dataset.shape = shape;
  }
  const columns = box.querySelectorAll(".layer");
  frame.neurons.forEach((layer, i) => {
    const canvases = columns[i].querySelectorAll("canvas");
    layer.forEach((b64, j) => heatmap(canvases[j], b64, frame.neuron_grid, 255));
  });
}

function fmt(v) { return v === null || v === undefined ? "diverged" : v.toFixed(3); }

function draw(frame) {
  $("epoch").textContent = String(frame.epoch).padStart(3, "0");
  $("test-loss").textContent = fmt(frame.test_loss);
  $("train-loss").textContent = fmt(frame.train_loss);
  setPlaying(frame.playing);
  if (frame.error) showMessage(frame.error);
  heatmap($("boundary"), frame.boundary, frame.boundary_grid, 150);
  drawPoints($("boundary"));
  drawLosses($("loss-chart"), frame.history);
  drawNeurons(frame);
}

// --- wiring -----------------------------------------------------------------------------------------------

$("play").addEventListener("click", () => action(state.playing ? "pause" : "play"));
$("step").addEventListener("click", () => action("step"));
$("reset").addEventListener("click", () => action("reset"));
for (const name of FIELDS) $(name).addEventListener("change", sendConfig);
$("show-graph").addEventListener("click", async () => {
  if (!state.id) return;
  const box = $("graph-box");
  const response = await fetch(`/api/sessions/${state.id}/graph.svg`);
  if (!response.ok) {
    let text = `the server answered ${response.status}`;
    try { text = (await response.json()).error; } catch (e) { /* keep the status */ }
    showMessage(text);
    return;
  }
  const url = URL.createObjectURL(await response.blob());
  box.innerHTML = "";
  const img = document.createElement("img");
  img.src = url; img.alt = "graph of derivatives";
  box.appendChild(img);
});
window.addEventListener("pagehide", () => {
  if (state.id) navigator.sendBeacon(`/api/sessions/${state.id}/close`);
});

start();
