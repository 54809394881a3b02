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

// Drafts: a form marked data-draft keeps what was typed in this browser's localStorage, so a
// dropped connection or a closed tab at a home visit loses nothing. The key is the owner, the
// form's address and its data-draft name; passwords, files and the CSRF token are never kept.
// A draft is removed when the form is submitted, when it is discarded, after DRAFT_DAYS, and
// for every form at logout (form[data-clear-drafts]).
const DRAFT_PREFIX = "draft:v1:";
const DRAFT_DAYS = 7;

function draftStorage() {
  try {
    const probe = `${DRAFT_PREFIX}probe`;
    window.localStorage.setItem(probe, "1");
    window.localStorage.removeItem(probe);
    return window.localStorage;
  } catch {
    return null;  // private mode or storage disabled: forms simply work without drafts
  }
}

function draftKey(form) {
  const action = new URL(form.getAttribute("action") || window.location.href, window.location.href);
  const owner = document.body.dataset.draftOwner || "";
  return `${DRAFT_PREFIX}${owner}:${action.pathname}${action.search}#${form.dataset.draft || ""}`;
}

function draftFields(form) {
  return Array.from(form.elements).filter((el) => el.name && !el.disabled && !/(^|-)csrf_token$/.test(el.name)
    && !["password", "file", "submit", "button", "reset", "image"].includes(el.type)
    && el.tagName !== "BUTTON" && el.tagName !== "FIELDSET");
}

function readForm(form) {
  const values = {};
  draftFields(form).forEach((el) => {
    if (el.type === "radio") {
      if (el.checked) values[el.name] = el.value;
    } else if (el.type === "checkbox") {
      values[el.name] = values[el.name] || [];
      if (el.checked) values[el.name].push(el.value);
    } else if (el.tagName === "SELECT" && el.multiple) {
      values[el.name] = Array.from(el.selectedOptions).map((o) => o.value);
    } else {
      values[el.name] = el.value;
    }
  });
  return values;
}

function fillForm(form, values) {
  draftFields(form).forEach((el) => {
    if (!(el.name in values)) return;
    const value = values[el.name];
    if (el.type === "radio") el.checked = el.value === value;
    else if (el.type === "checkbox") el.checked = Array.isArray(value) && value.includes(el.value);
    else if (el.tagName === "SELECT" && el.multiple) {
      Array.from(el.options).forEach((o) => { o.selected = Array.isArray(value) && value.includes(o.value); });
    } else if (typeof value === "string") el.value = value;
  });
  form.dispatchEvent(new Event("change", { bubbles: true }));  // e.g. the running ADL total
}

function clearAllDrafts(storage) {
  Object.keys(storage).filter((k) => k.startsWith(DRAFT_PREFIX)).forEach((k) => storage.removeItem(k));
}

document.addEventListener("DOMContentLoaded", () => {
  const storage = draftStorage();
  if (!storage) return;
  document.querySelectorAll("form[data-clear-drafts]").forEach((form) => {
    form.addEventListener("submit", () => clearAllDrafts(storage));
  });
  const now = Date.now();
  Object.keys(storage).filter((k) => k.startsWith(DRAFT_PREFIX)).forEach((k) => {
    let at = 0;
    try { at = JSON.parse(storage.getItem(k)).at || 0; } catch { at = 0; }
    if (now - at > DRAFT_DAYS * 86400000) storage.removeItem(k);  // health data does not linger
  });
  document.querySelectorAll("form[data-draft]").forEach((form) => {
    const key = draftKey(form);
    const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
    let saved = null;
    try { saved = JSON.parse(storage.getItem(key) || "null"); } catch { saved = null; }
    if (saved && !saved.fields) {
      storage.removeItem(key);
      saved = null;
    }
    if (saved && !same(saved.fields, readForm(form))) {
      fillForm(form, saved.fields);
      const texts = document.body.dataset;
      const notice = document.createElement("div");
      notice.className = "draft-notice";
      notice.setAttribute("role", "status");
      const text = document.createElement("p");
      text.textContent = texts.msgDraftRestored || "";
      const discard = document.createElement("button");
      discard.type = "button";
      discard.className = "secondary small";
      discard.textContent = texts.msgDraftDiscard || "";
      discard.addEventListener("click", () => {
        storage.removeItem(key);
        form.reset();  // back to what the server sent
        form.dispatchEvent(new Event("change", { bubbles: true }));
        notice.remove();
        const first = draftFields(form).find((el) => el.type !== "hidden");
        if (first) first.focus();
      });
      notice.append(text, discard);
      form.prepend(notice);
    }
    let timer = null;
    const save = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        try { storage.setItem(key, JSON.stringify({ at: Date.now(), fields: readForm(form) })); } catch { /* full */ }
      }, 300);
    };
    form.addEventListener("input", save);
    form.addEventListener("change", (event) => { if (event.isTrusted) save(); });
    form.addEventListener("submit", () => { clearTimeout(timer); storage.removeItem(key); });
  });
});

// A date typed as eight digits on a phone's number pad (30112569) gets its slashes back, so the
// person sees the day, month and year they meant (core.forms.LocalDateField reads both).
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-date-input")) return;
  const digits = input.value.trim().match(/^(\d{2})(\d{2})(\d{4})$/);
  if (digits) input.value = `${digits[1]}/${digits[2]}/${digits[3]}`;
});
