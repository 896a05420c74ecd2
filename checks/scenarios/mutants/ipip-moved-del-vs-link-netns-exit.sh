# Mutants: ip-tunnel-no-token, ip-tunnel-no-mutex (with followup-ip-tunnel).
# ipip1 is created in ns1, whose hash keeps it (its link net), and moved to ns2. ns1's
# destruction races `ip -n ns2 link del ipip1`: whichever comes first takes it off ns1's
# itn->tunnels[]; the other must see it unhashed and leave it (converted), or find it gone.
# ip-tunnel-no-token: the dellink queues ipip1 a second time (S4).
# ip-tunnel-no-mutex: the hash is touched without itn->lock (S16).
# Expected (faithful): ipip1 gone; ns2 ends empty; the delete may fail with "Cannot find device".
ip netns add ns1
ip netns add ns2
ip -n ns1 link add ipip1 type ipip remote 10.0.0.1 local 10.0.0.2
ip -n ns1 link set ipip1 netns ns2
ip netns del ns1 &
ip -n ns2 link del ipip1 &
wait
