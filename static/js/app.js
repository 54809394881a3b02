// Small progressive enhancements; every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // "Select all" checkbox for a list of checkboxes with the given name.
  document.querySelectorAll("[data-select-all]").forEach((master) => {
    const name = master.getAttribute("data-select-all");
    const boxes = () => Array.from(master.form ? master.form.querySelectorAll(`input[name="${name}"]`) : []);
    master.addEventListener("change", () => boxes().forEach((b) => { b.checked = master.checked; }));
  });
  // Move focus to an error summary so screen readers announce it.
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
});
