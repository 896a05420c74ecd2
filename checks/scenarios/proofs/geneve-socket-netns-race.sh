# The tunnel race of kernel-notes §7.4 minimal scenario 3 with geneve, unconverted in the series:
# a geneve device in ns2 whose UDP socket net is ns1 (link-netns). Concurrently: destroy ns1 and
# delete the device from ns2. The device is unregistered exactly once (ns1's exit_rtnl leaves it
# for the final unregister_netdevice_many(), S5's named exemption), nothing is left in ns2.
ip netns add ns1
ip netns add ns2
ip -n ns2 link add gnv0 link-netns ns1 type geneve id 1 remote 10.0.0.1
ip netns del ns1 &
ip -n ns2 link del gnv0 &
wait
