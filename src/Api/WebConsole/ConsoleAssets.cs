using Microsoft.Extensions.FileProviders;

namespace MySqlHa.Api.WebConsole;

/// <summary>
/// The web console: static pages and scripts embedded in the Api's assembly (so every way the Api runs, from bin,
/// published or in a test, serves the same files) at <c>/console</c>. The pages hold no logic of their own: they
/// sign in with an API key and call the same endpoints as any client, so each endpoint's role applies.
/// </summary>
public static class ConsoleAssets
{
    public const string Path = "/console";

    /// <summary>
    /// Before authentication: the pages themselves carry no data (everything they show comes from the API, which
    /// asks for a key), and the sign-in page must load before there is one.
    /// </summary>
    public static WebApplication UseConsole(this WebApplication app)
    {
        var files = new EmbeddedFileProvider(typeof(ConsoleAssets).Assembly, "WebConsole.Assets");
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files, RequestPath = Path });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            RequestPath = Path,
            // A new Api version must not run with a browser's cached scripts of the last one.
            OnPrepareResponse = context => context.Context.Response.Headers.CacheControl = "no-cache",
        });
        return app;
    }
}
