// Where packaging reads and writes. Everything is relative to the project root, which is
// also the top of the source tarball, so the same scripts run inside rpmbuild's %build.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SPEC_DIR = path.join(ROOT, 'spec');
export const SPEC_FILE = path.join(SPEC_DIR, 'mesos.spec');
/** Scratch space of every packaging step (gitignored). */
export const BUILD_DIR = path.join(ROOT, 'build');
/** The published repository (gitignored except its README). */
export const RPMS_DIR = path.join(ROOT, 'rpms');
