// Two versions matter: the Apache Mesos API level we implement (reported where Mesos reports its
// version, because frameworks compare it), and this project's own release.
import pkg from '../../package.json' with { type: 'json' };

export const MESOS_API_VERSION = '1.11.0';
export const PROJECT_VERSION: string = pkg.version;

export function versionLine(): string {
  return `mesos ${MESOS_API_VERSION} (mesos-ts ${PROJECT_VERSION})`;
}

/** The VersionInfo of /version and the operator API's GET_VERSION (build_user is ours). */
export function versionInfo(buildTime: number): { version: string; build_date: string; build_time: number; build_user: string } {
  return {
    version: MESOS_API_VERSION,
    build_date: new Date(buildTime).toISOString().replace('T', ' ').slice(0, 19),
    build_time: Math.floor(buildTime / 1000),
    build_user: 'mesos-ts',
  };
}
