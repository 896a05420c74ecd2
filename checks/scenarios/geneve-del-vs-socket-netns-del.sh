# A geneve created in ns2 with its socket in ns1 (link-netns) is deleted from ns2 while ns1 is
# destroyed. Unconverted (the series) ns1's exit_rtnl queues it for the final
# unregister_netdevice_many(); with followup-geneve it hands it to ns2's queue and
# list_del_init on geneve->next marks it queued, so it is unregistered exactly once.
# Expected: ns1 gone, ns2 empty; the delete may fail with "Cannot find device". Needs CONFIG_GENEVE.
ip netns add ns1
ip netns add ns2
ip -n ns2 link add gnv0 link-netns ns1 type geneve id 1 remote 10.0.0.1
ip -n ns2 link del gnv0 &
ip netns del ns1 &
wait
