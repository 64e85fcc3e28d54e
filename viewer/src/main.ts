import './styles/fonts';
import './styles/app.css';
import { loadConfig } from './config';
import { initialLang, setLang } from './i18n/i18n';
import { App } from './app';

// The DICOM image loader rejects some internal promises with the XMLHttpRequest itself when a request fails
// or is aborted (page reload, study deleted): the viewer already shows the failure through IMAGE_LOAD_ERROR.
window.addEventListener('unhandledrejection', (e) => {
  if (e.reason instanceof XMLHttpRequest) {
    e.preventDefault();
    console.warn(`image request failed: HTTP ${e.reason.status} ${e.reason.responseURL}`);
  }
});

const config = loadConfig();
setLang(initialLang(config.lang), { persist: false });
const app = new App(document.getElementById('app')!, config);
void app.render();

// Fetch the viewer's code while the user logs in or picks a study.
const warm = () => void import('./screens/viewer/ViewerScreen');
if ('requestIdleCallback' in window) requestIdleCallback(warm, { timeout: 2000 });
else setTimeout(warm, 500);
