# A geneve device moved away from its socket netns dies with that netns (the pernet exit of the
# socket netns walks its geneve_list; unconverted, the final unregister_netdevice_many() of
# ops_exit_rtnl_list() takes it, converted ns2's queue). Expected: ns1 gone, ns2 ends empty.
# Mutant: geneve-exit-plain-queue (with followup-geneve): the exit leaves gnv0 on its list,
# unregistered without ns2's lock (S5). Needs CONFIG_GENEVE.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add gnv0 type geneve id 10 remote 192.0.2.1 dstport 6082
ip -n ns1 link set gnv0 netns ns2
ip netns del ns1
