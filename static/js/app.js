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

// Running Barthel ADL total while the assessor taps scores.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-adl-form]").forEach((form) => {
    const out = form.querySelector("[data-adl-total]");
    if (!out) return;
    const update = () => {
      const chosen = Array.from(form.querySelectorAll('input[type=radio][name^="adl_"]:checked'));
      const total = chosen.reduce((sum, input) => sum + Number(input.value), 0);
      const group = total >= 12 ? out.dataset.social : total >= 5 ? out.dataset.home : out.dataset.bed;
      out.textContent = `ADL ${total}/20 (${chosen.length}/10) ${chosen.length === 10 ? group || "" : ""}`;
      out.hidden = chosen.length === 0;
    };
    form.addEventListener("change", update);
    update();
  });
  // The home's location from the phone, only when the user asks for it.
  document.querySelectorAll("[data-geolocate]").forEach((form) => {
    const button = form.querySelector("[data-geolocate-button]");
    const status = form.querySelector("[data-geolocate-status]");
    if (!button || !navigator.geolocation) return;
    button.hidden = false;
    button.addEventListener("click", () => {
      navigator.geolocation.getCurrentPosition((pos) => {
        form.querySelector('[name="latitude"]').value = pos.coords.latitude.toFixed(6);
        form.querySelector('[name="longitude"]').value = pos.coords.longitude.toFixed(6);
        status.textContent = `${pos.coords.latitude.toFixed(5)}, ${pos.coords.longitude.toFixed(5)} ✓`;
      }, (err) => { status.textContent = err.message; }, { enableHighAccuracy: true, timeout: 15000 });
    });
  });
});
