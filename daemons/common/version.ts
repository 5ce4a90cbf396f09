// Two versions matter: the Apache Mesos API level we implement (reported where Mesos reports its
// version, because frameworks compare it), and this project's own release.
import pkg from '../../package.json' with { type: 'json' };

export const MESOS_API_VERSION = '1.11.0';
export const PROJECT_VERSION: string = pkg.version;

export function versionLine(): string {
  return `mesos ${MESOS_API_VERSION} (mesos-ts ${PROJECT_VERSION})`;
}
