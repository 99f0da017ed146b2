using Microsoft.Extensions.DependencyInjection;

namespace MySqlHa.Workflows.Verifications;

public static class Configuration
{
    public static IServiceCollection AddMySqlHaVerifications(this IServiceCollection services) => services.AddSingleton<VerificationStarter>();
}
