// The worker host. Composition of the ledger, exchange and loop arrives with the persistence,
// exchange and worker issues; until then it only starts and stops the generic host cleanly.
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
using var host = builder.Build();
Console.WriteLine("TradingBot worker: the ledger and exchange are not wired into the host yet; see README.md.");
await host.StartAsync().ConfigureAwait(false);
await host.StopAsync().ConfigureAwait(false);
