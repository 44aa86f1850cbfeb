// The chat page. `io` is the global from /socket.io/socket.io.js, so this page
// works with webio's browser client and with the official one alike.
"use strict";

const $ = (id) => document.getElementById(id);
let socket;
let nick = "";
let typingTimer;
const typists = new Map();

$("login").addEventListener("submit", (event) => {
  event.preventDefault();
  nick = $("nick").value.trim();
  if (!nick) return;
  connect();
});

function connect() {
  // ?transports=polling (or websocket) picks the transports, to try each one.
  const transports = new URLSearchParams(location.search).get("transports")?.split(",");
  socket = io({
    auth: { nick },
    ackTimeout: 10000,
    retries: 3,
    ...(transports ? { transports } : {}),
  });
  socket.on("connect", () => {
    $("login").hidden = true;
    $("chat").hidden = false;
    $("banner").hidden = true;
    $("transport").textContent = socket.io.engine.transport.name;
    socket.io.engine.once("upgrade", (t) => ($("transport").textContent = t.name));
    system(socket.recovered ? "Reconnected: missed messages recovered" : `Joined as ${nick}`);
  });
  socket.on("connect_error", (error) => {
    if (!socket.active) {
      $("login-error").textContent = error.message;
      $("login-error").hidden = false;
    }
  });
  socket.on("disconnect", () => ($("banner").hidden = false));
  socket.on("online", (count) => ($("online").textContent = `${count} online`));
  socket.on("chat message", (message) => {
    if (
      message.nick === nick &&
      document.querySelector(`[data-pending="${CSS.escape(message.text)}"]`)
    ) return;
    addMessage(message);
  });
  socket.on("image", (image) => addImage(image));
  socket.on("typing", ({ nick: who }) => {
    clearTimeout(typists.get(who));
    typists.set(who, setTimeout(() => (typists.delete(who), renderTyping()), 2000));
    renderTyping();
  });
}

$("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("text").value.trim();
  if (!text) return;
  $("text").value = "";
  const item = addMessage({ nick, text, time: Date.now() }, true);
  item.dataset.pending = text;
  try {
    await socket.emitWithAck("chat message", text);
    item.querySelector(".tick").classList.add("delivered");
    item.querySelector(".tick").textContent = "✓✓";
  } catch {
    item.querySelector(".tick").textContent = "not delivered";
  }
  delete item.dataset.pending;
});

$("text").addEventListener("input", () => {
  if (typingTimer) return;
  // Volatile: a lost typing notice does not matter, and it skips the retry queue.
  socket.volatile.emit("typing");
  typingTimer = setTimeout(() => (typingTimer = undefined), 500);
});

$("room-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const { room, members } = await socket.emitWithAck("join", $("room").value);
  $("room").value = room;
  $("messages").replaceChildren();
  system(`You are in #${room} (${members} here)`);
});

$("image").addEventListener("change", async () => {
  const file = $("image").files[0];
  $("image").value = "";
  if (!file) return;
  const data = await file.arrayBuffer();
  socket.emit("image", { name: file.name, type: file.type, data });
});

function addMessage(message, mine = message.nick === nick) {
  const item = document.createElement("li");
  item.className = mine ? "mine" : "";
  const who = document.createElement("span");
  who.className = "nick";
  who.textContent = message.nick;
  item.append(who, document.createTextNode(message.text));
  if (mine) {
    const tick = document.createElement("span");
    tick.className = "tick";
    tick.textContent = "✓";
    item.append(tick);
  }
  return append(item);
}

function addImage(image) {
  const item = document.createElement("li");
  item.className = image.nick === nick ? "mine" : "";
  const who = document.createElement("span");
  who.className = "nick";
  who.textContent = image.nick;
  const img = document.createElement("img");
  img.alt = image.name;
  img.src = URL.createObjectURL(new Blob([image.data], { type: image.type }));
  item.append(who, img);
  append(item);
}

function system(text) {
  const item = document.createElement("li");
  item.className = "system";
  item.textContent = text;
  append(item);
}

function append(item) {
  $("messages").append(item);
  item.scrollIntoView({ block: "end" });
  return item;
}

function renderTyping() {
  const names = [...typists.keys()];
  $("typing").textContent = names.length
    ? `${names.join(", ")} ${names.length > 1 ? "are" : "is"} typing…`
    : "";
}
