// What `tessera start` and `tessera cluster` print once they serve: how to connect.

/** How to connect: the URLs, a ready token, and a curl example. */
export function printWelcome(urls: readonly string[], token: string, dataDir: string, auth: boolean): void {
  const url = urls[0] as string
  const bearer = auth ? ` -H "Authorization: Bearer ${token}"` : ''
  if (auth) console.log(`\nA token for the next 24 hours (more with: npx tessera token --data ${dataDir}):\n\n${token}\n`)
  else console.log('\nAuth is off.')
  console.log(`Try:\n  curl -s ${url}/v1/sql${bearer} \\\n    -H 'Content-Type: application/json' -d '{"sql": "SELECT 1 + 1 AS two"}'\n`)
}
