// Camera scanning on /scan: read a device's QR label and open that device's page.
// Loaded after the vendored qr-scanner (global QrScanner). The page's messages come from
// data-* attributes of [data-camera-scan] because the template translates them.
"use strict";

const TAG_RE = /^[A-Z0-9][A-Z0-9-]{0,31}$/;

// The device tag in a QR code's text: a device URL ("<anything>/d/<tag>") or a bare tag.
// Only the tag is kept: a label that points at another host still opens this server's page.
function tagFromQrText(text) {
  const raw = String(text || "").trim();
  let path = raw.split(/[?#]/)[0];
  if (/^[a-z][a-z0-9+.-]*:/i.test(raw)) {
    let url;
    try { url = new URL(raw); } catch { return null; }
    if (url.protocol !== "http:" && url.protocol !== "https:") return null;
    path = url.pathname;
  }
  const match = path.match(/(?:^|\/)d\/([^/]+)\/?$/);
  let tag = match ? match[1] : path;
  try { tag = decodeURIComponent(tag); } catch { return null; }
  tag = tag.trim().toUpperCase();
  return TAG_RE.test(tag) ? tag : null;
}

// Which message explains why the camera did not open (getUserMedia's error names).
function problemOf(error) {
  const name = error && error.name;
  if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") return "denied";
  if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") return "noCamera";
  return "failed";
}

function initCameraScan(box) {
  const messages = box.dataset;
  const openButton = box.querySelector("[data-camera-open]");
  const stopButton = box.querySelector("[data-camera-stop]");
  const view = box.querySelector("[data-camera-view]");
  const video = box.querySelector("video");
  const status = box.querySelector("[data-camera-status]");
  let scanner = null;
  let leaving = false;

  const say = (text, isError = false) => {
    // Unchanged text is not rewritten, so a screen reader does not repeat it every frame.
    if (status.textContent !== (text || "")) status.textContent = text || "";
    status.classList.toggle("camera-problem", Boolean(text) && isError);
  };
  const showIdle = () => {
    view.hidden = true;
    stopButton.hidden = true;
    openButton.hidden = false;
    openButton.disabled = false;
  };
  // Release the camera at once (qr-scanner alone waits 300 ms), so its light goes out on Stop.
  const stop = () => {
    if (scanner) { scanner.destroy(); scanner = null; }
    if (video.srcObject) {
      video.srcObject.getTracks().forEach((track) => track.stop());
      video.srcObject = null;
    }
  };

  box.hidden = false;
  if (!window.isSecureContext) {
    openButton.hidden = true;
    say(messages.msgInsecure, true);
    return;
  }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    openButton.hidden = true;
    say(messages.msgNoCamera, true);
    return;
  }
  if (typeof window.QrScanner !== "function") {
    openButton.hidden = true;
    say(messages.msgFailed, true);
    return;
  }

  const onDecode = (result) => {
    if (leaving) return;
    const tag = tagFromQrText(result && result.data);
    if (!tag) {
      say(messages.msgNotDevice, true);
      return;
    }
    leaving = true;
    stop();
    say(messages.msgFound.replace("{tag}", tag));
    window.location.assign(messages.lookupUrl + encodeURIComponent(tag));
  };

  openButton.addEventListener("click", async () => {
    openButton.disabled = true;
    leaving = false;
    say(messages.msgStarting);
    // Ask for the camera once ourselves: qr-scanner reports every failure as "Camera not
    // found.", and the reason (blocked, missing, busy) is what tells the user what to do.
    try {
      const probe = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      probe.getTracks().forEach((track) => track.stop());
    } catch (error) {
      showIdle();
      say(messages[{ denied: "msgDenied", noCamera: "msgNoCamera", failed: "msgFailed" }[problemOf(error)]], true);
      return;
    }
    view.hidden = false;
    scanner = new window.QrScanner(video, onDecode, {
      returnDetailedScanResult: true,
      preferredCamera: "environment",
      maxScansPerSecond: 8,
      // The whole frame, not qr-scanner's centre square: the QR code sits at the left of our
      // labels, so a phone aimed at the label's middle would cut it. At most 800 px for speed.
      calculateScanRegion: (v) => {
        const scale = Math.min(1, 800 / Math.max(v.videoWidth, v.videoHeight, 1));
        return { x: 0, y: 0, width: v.videoWidth, height: v.videoHeight,
                 downScaledWidth: Math.round(v.videoWidth * scale), downScaledHeight: Math.round(v.videoHeight * scale) };
      },
      onDecodeError: () => {},  // no code in this frame: keep looking
    });
    try {
      await scanner.start();
    } catch {
      stop();
      showIdle();
      say(messages.msgFailed, true);
      return;
    }
    openButton.hidden = true;
    stopButton.hidden = false;
    say(messages.msgScanning);
    stopButton.focus();
  });

  stopButton.addEventListener("click", () => {
    stop();
    showIdle();
    say("");
    openButton.focus();
  });

  // Leave no camera running behind a page in the back-forward cache.
  window.addEventListener("pagehide", () => { stop(); showIdle(); });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) { leaving = false; showIdle(); say(""); }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-camera-scan]").forEach(initCameraScan);
});
