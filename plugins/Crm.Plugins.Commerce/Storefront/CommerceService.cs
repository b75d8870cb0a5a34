using Crm.Engine.Abstractions;

namespace Crm.Plugins.Commerce.Storefront;

/// <summary>The <see cref="ICommerce"/> singleton: hands out per-tenant views.</summary>
internal sealed class CommerceService(SyncTransactions transactions) : ICommerce
{
    public ICommerceTenant ForTenant(ICrmTenant tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return new CommerceTenant(tenant, transactions);
    }
}
