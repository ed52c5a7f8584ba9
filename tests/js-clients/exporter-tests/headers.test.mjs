// The exporter's headers option: an object, or a function (maybe async) called before each request.
import assert from 'node:assert/strict'
import { TelemetryHostingExporter, endpoint, event, quiet, run, sleep, test } from './support.mjs'

test('a headers function whose promise never settles does not stop the exporter', async () => {
  const sent = endpoint()
  const exporter = new TelemetryHostingExporter({ ...quiet, headers: () => new Promise(() => {}), fetch: sent.fetch })
  await exporter.exportEvents([event('web.one')])
  const settled = await Promise.race([exporter.flush().then(() => true), sleep(1500).then(() => false)])
  exporter.dispose()
  assert.ok(settled, 'flush() did not settle within 1.5 s')
  assert.deepEqual(sent.delivered, ['web.one'])
})

await run()
