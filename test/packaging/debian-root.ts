// The Debian root the packaging tests install into: the minimal flavour of the shared helper
// (test/helpers/debian-root.ts, which the e2e suite also uses with more packages).
export { debianRoot, freshDebianRoot } from '../helpers/debian-root.ts';
