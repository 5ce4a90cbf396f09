// What a fake agent sends to the master's agent endpoint: a REGISTER with 64 CPUs on
// 'fake', optionally claiming a real agent's id, for the tests that show such agents refused,
// or naming the port of a test's own HTTP server, for the tests of the master reading agents.

/**
 * The JSON body of a REGISTER from host 'fake' offering 64 CPUs; `claimedId` asks for that agent
 * id; `httpPort` is where the agent says it serves HTTP (its pid's port, on 127.0.0.1).
 */
export function fakeRegisterBody(claimedId?: string, httpPort = 1): string {
  return JSON.stringify({
    type: 'REGISTER',
    register: {
      ...(claimedId ? { agent_id: claimedId } : {}),
      hostname: 'fake',
      port: httpPort,
      pid: `slave(1)@127.0.0.1:${httpPort}`,
      version: '1.11.0',
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 64 } }],
      attributes: [],
      tasks: [],
      frameworks: [],
    },
  });
}
