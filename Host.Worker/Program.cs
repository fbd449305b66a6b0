using TradingBot.Host.Worker.Verbs;

return await WorkerCommandLine.InvokeAsync(args).ConfigureAwait(false);
