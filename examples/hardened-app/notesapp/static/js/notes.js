// Ask before deleting a note. Loaded from our own origin, so the CSP needs no inline handlers.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.action.endsWith("/delete") && !window.confirm("Delete this note?")) {
    event.preventDefault();
  }
});
