# Two geneve devices with their socket in ns1: gnv0 created in ns2 (link-netns ns1), gnv1
# created in ns1 and moved to ns3. A third with gnv0's id, remote and port in ns1 is refused
# (geneve_find_dev(): EBUSY). ns1 and ns3 are destroyed at once. Expected: both devices are
# removed; ns2 ends empty; ns1 and ns3 gone. Needs CONFIG_GENEVE.
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip -n ns2 link add gnv0 link-netns ns1 type geneve id 1 remote 10.0.0.1
ip -n ns1 link add gnv1 type geneve id 1 remote 10.0.0.2
ip -n ns3 link add gnv2 link-netns ns1 type geneve id 1 remote 10.0.0.1
ip -n ns1 link set gnv1 netns ns3
ip netns del ns1 &
ip netns del ns3 &
wait
