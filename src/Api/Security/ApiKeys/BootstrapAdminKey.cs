using Marten;
using MySqlHa.Workflows.Actors;

namespace MySqlHa.Api.Security.ApiKeys;

/// <summary>
/// The first admin key, so that a new installation can be used at all: stored when no key is, from the configured
/// file (or written to it), or printed once on standard output when no file is configured. Every Api process runs it
/// at start; when several start at once, the first to store the key wins and the others find it.
/// </summary>
public sealed class BootstrapAdminKey(IDocumentStore store, ApiKeyStore keys, AuthOptions options, ILogger<BootstrapAdminKey> log) : IHostedService
{
    public const string Name = "bootstrap";

    public Task StartAsync(CancellationToken cancellation) => EnsureAsync(cancellation);

    public Task StopAsync(CancellationToken cancellation) => Task.CompletedTask;

    public async Task EnsureAsync(CancellationToken cancellation)
    {
        await using (var session = store.QuerySession())
            if (await session.Query<ApiKey>().AnyAsync(cancellation)) return;
        var (secret, printed) = await ReadOrMakeAsync(cancellation);
        CurrentActor.Use(CurrentActor.Controller);
        if (await keys.CreateAsync(secret, Name, Roles.Admin, cancellation) is null) return;
        if (printed)
            Console.WriteLine($"MySqlHa bootstrap admin key (shown once; send it as the X-Api-Key header): {secret.Text}");
        else
            log.LogInformation("Stored the bootstrap admin key from the configured key file");
    }

    private async Task<(ApiKeySecret Secret, bool Printed)> ReadOrMakeAsync(CancellationToken cancellation)
    {
        var file = options.BootstrapKeyFile;
        if (file.Length == 0) return (ApiKeySecret.New(), true);
        if (File.Exists(file))
        {
            return ApiKeySecret.TryParse(await File.ReadAllTextAsync(file, cancellation), out var given)
                ? (given, false)
                : throw new InvalidOperationException("MySqlHa:Auth:BootstrapKeyFile does not hold a MySqlHa API key (mysqlha_<32 hex>_<43 base64url>).");
        }
        var made = ApiKeySecret.New();
        var owner = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) owner.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        await using (var stream = new FileStream(file, owner))
        await using (var writer = new StreamWriter(stream))
            await writer.WriteLineAsync(made.Text);
        log.LogInformation("Wrote a new bootstrap admin key to the configured key file");
        return (made, false);
    }
}
