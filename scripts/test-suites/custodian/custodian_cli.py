"""The `custodian` command (c7n.cli.main) with the Huawei Cloud provider registered.

No c7n release loads c7n_huaweicloud by itself: c7n.resources.PROVIDER_NAMES (c7n 0.9.43 up
to 0.9.53) lists aws, azure, gcp, k8s, openstack, awscc, tencentcloud, oci and terraform only,
so a policy with `resource: huaweicloud.functiongraph` fails validation with the plain
`custodian` command. Importing c7n_huaweicloud.entry registers the provider (its
`@clouds.register("huaweicloud")`); initialize_huaweicloud() loads its shared filters and
actions, as c7n.resources.load_providers does for the providers it knows. The resource
modules themselves are then loaded lazily through the provider's resource_map, as for any
other provider.

Usage: python custodian_cli.py run -s OUTPUT_DIR --cache-period 0 policy.yml
"""

import sys

from c7n_huaweicloud.entry import initialize_huaweicloud

from c7n.cli import main

if __name__ == "__main__":
    initialize_huaweicloud()
    sys.exit(main())
