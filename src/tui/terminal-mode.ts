/**
 * Evaluated before Ink: Ink reads CI / CONTINUOUS_INTEGRATION once, at import, and then paints
 * only the last frame. `tm top` runs only on a terminal, and such a variable inherited into an
 * SSH or tmux session (a CI runner's debug shell) would leave the dashboard blank until quit.
 */
import {env} from 'node:process';

delete env.CI;
delete env.CONTINUOUS_INTEGRATION;
