// Entry point of the web UI bundle (built by packaging/webui.ts, served by the master at `/`).
import { render } from 'preact';
import { App } from './app.tsx';
import { prefetchMaster, rememberVia } from './master-store.tsx';
import './styles.css';

rememberVia();
prefetchMaster();

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
