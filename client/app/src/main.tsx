import { render } from 'preact';
import { App } from './app.tsx';
import { registerServiceWorker } from './offline/register-service-worker.ts';

render(<App />, document.getElementById('app')!);
registerServiceWorker();
