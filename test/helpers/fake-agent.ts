// What a fake agent sends to the master's agent endpoint: a REGISTER with 64 CPUs on
// 'fake', optionally claiming a real agent's id, for the tests that show such agents refused.

/** The JSON body of a REGISTER from host 'fake' offering 64 CPUs; `claimedId` asks for that agent id. */
export function fakeRegisterBody(claimedId?: string): string {
  return JSON.stringify({
    type: 'REGISTER',
    register: {
      ...(claimedId ? { agent_id: claimedId } : {}),
      hostname: 'fake',
      port: 1,
      pid: 'slave(1)@127.0.0.1:1',
      version: '1.11.0',
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 64 } }],
      attributes: [],
      tasks: [],
      frameworks: [],
    },
  });
}
