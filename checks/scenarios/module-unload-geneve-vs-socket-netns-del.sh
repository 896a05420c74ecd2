# geneve (unconverted in the series) unloaded while the net of gn0's socket is destroyed; the
# unload's unregister_pernet_subsys() runs geneve's exit_rtnl in every live net. Expected:
# passes in pre-series and series; ns2 ends empty.
ip netns add ns1
ip netns add ns2
ip -n ns2 link add gn0 link-netns ns1 type geneve id 1 remote 10.0.0.1
ip netns del ns1 &
modprobe -r geneve &
wait
